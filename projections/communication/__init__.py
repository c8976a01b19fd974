"""The communication analytics read model (seed 000): how often, on which channels, how
fast we answer and how much, per contact and per team, over time.

tables.py     its tables (rm_communication): volume, responses, and the projector's state
              (conversations, activities, contacts, teams)
projector.py  Communication: the handlers, by event class; state.py: one batch in memory;
              write.py: its bulk writes
queries.py    a contact's or a team's rows; charts.py: the report's sections
Shown at ENDPOINTS (below); specs: tests/projections/communication/.
"""

from projections.communication.projector import Communication

# The API endpoints that show this read model (tests/unit/test_docs.py checks they exist)
ENDPOINTS = (
    "GET /v1/analytics/contacts/{contact_id}",
    "GET /v1/analytics/teams/{team_id}",
)
__all__ = ["ENDPOINTS", "Communication"]
