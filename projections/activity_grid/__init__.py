"""The activity grid read model."""

from projections.activity_grid.projector import ActivityGrid

__all__ = ["ActivityGrid"]
