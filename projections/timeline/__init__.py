"""The timeline read model."""

from projections.timeline.projector import Timeline

__all__ = ["Timeline"]
