"""The audit log read model: every event of a workspace, by actor, type, record and time.

tables.py     its table (rm_audit_log): events
projector.py  AuditLog: one handler, every event of every aggregate
queries.py    the positions a filter matches, and their events from the store
Shown at ENDPOINTS (below); specs: tests/projections/audit_log/.
"""

from projections.audit_log.projector import AuditLog

# The API endpoints that show this read model (tests/unit/test_docs.py checks they exist)
ENDPOINTS = ("GET /v1/audit/events",)
__all__ = ["ENDPOINTS", "AuditLog"]
