"""The workspace directory read model: a workspace's settings (time zone), channels,
users and settings history, which reports read.

tables.py     its tables (rm_workspace): settings, channels, users, history
projector.py  WorkspaceDirectory: the handlers, by event class (every event's user)
queries.py    settings, channels, users, history (also the reports' zone, channel
              filters and user names)
Shown at ENDPOINTS (below); specs: tests/projections/workspace/.
"""

from projections.workspace.projector import WorkspaceDirectory

# The API endpoints that show this read model (tests/unit/test_docs.py checks they exist)
ENDPOINTS = (
    "GET /v1/workspace",
    "GET /v1/workspace/history",
)
__all__ = ["ENDPOINTS", "WorkspaceDirectory"]
