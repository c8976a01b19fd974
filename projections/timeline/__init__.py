"""The timeline read model: everything that happened with a contact, lead or account.

tables.py     its tables (rm_timeline): entries, conversations, contact_merges, badges
projector.py  Timeline: the handlers, by event class; rows.py: what an event becomes
queries.py    pages and badges; answers.py: their shapes
live.py       the live timeline
Shown at ENDPOINTS (below); specs: tests/projections/timeline/.
"""

from projections.timeline.projector import Timeline

# The API endpoints that show this read model (tests/unit/test_docs.py checks they exist)
ENDPOINTS = (
    "GET /v1/contacts/{subject_id}/timeline",
    "GET /v1/leads/{subject_id}/timeline",
    "GET /v1/accounts/{subject_id}/timeline",
    "POST /v1/timeline/badges",
    "GET /v1/contacts/{subject_id}/timeline/live",
    "GET /v1/leads/{subject_id}/timeline/live",
    "GET /v1/accounts/{subject_id}/timeline/live",
)
__all__ = ["ENDPOINTS", "Timeline"]
