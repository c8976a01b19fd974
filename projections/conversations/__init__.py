"""The conversations read model."""

from projections.conversations.projector import Conversations

__all__ = ["Conversations"]
