"""The audit trail read model: every event of a conversation, with actor and time.

tables.py     its table (rm_audit_trail): entries
projector.py  AuditTrail: one handler, every conversation event
queries.py    a page of the trail and its shapes
              (GET /v1/conversations/{id}/audit-trail)
live.py       the live trail (GET /v1/conversations/{id}/audit-trail/live)
Specs: tests/projections/audit_trail/.
"""

from projections.audit_trail.projector import AuditTrail

__all__ = ["AuditTrail"]
