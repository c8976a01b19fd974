"""The audit trail read model: every event of a conversation, with actor and time.

tables.py     its table (rm_audit_trail): entries
projector.py  AuditTrail: one handler, every conversation event
queries.py    a page of the trail, and its shapes
live.py       the live trail (it ends when the conversation moves out of the caller's teams)
Shown at ENDPOINTS (below); specs: tests/projections/audit_trail/.
"""

from projections.audit_trail.projector import AuditTrail

# The API endpoints that show this read model (tests/unit/test_docs.py checks they exist)
ENDPOINTS = (
    "GET /v1/conversations/{conversation_id}/audit-trail",
    "GET /v1/conversations/{conversation_id}/audit-trail/live",
)
__all__ = ["ENDPOINTS", "AuditTrail"]
