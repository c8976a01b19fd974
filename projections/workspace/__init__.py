"""The workspace directory read model."""

from projections.workspace.projector import WorkspaceDirectory

__all__ = ["WorkspaceDirectory"]
