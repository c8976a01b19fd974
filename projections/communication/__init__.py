"""The communication analytics read model."""

from projections.communication.projector import Communication

__all__ = ["Communication"]
