"""The audit trail read model."""

from projections.audit_trail.projector import AuditTrail

__all__ = ["AuditTrail"]
