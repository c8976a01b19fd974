"""The workspace directory read model: a workspace's settings (time zone), channels,
users and settings history, which reports read.

tables.py     its tables (rm_workspace): settings, channels, users, history
projector.py  WorkspaceDirectory: the handlers, by event class (every event's user)
queries.py    settings, channels, users, history (GET /v1/workspace, /v1/workspace/history;
              the reports' zone, channel filters and user names)
Specs: tests/projections/workspace/.
"""

from projections.workspace.projector import WorkspaceDirectory

__all__ = ["WorkspaceDirectory"]
