"""The emails read model."""

from projections.emails.projector import Emails

__all__ = ["Emails"]
