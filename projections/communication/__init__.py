"""The communication analytics read model (seed 000): how often, on which channels, how
fast we answer and how much, per contact and per team, over time.

tables.py     its tables (rm_communication): volume, responses, and the projector's state
              (conversations, activities, contacts, teams)
projector.py  Communication: the handlers, by event class; state.py: one batch in memory;
              write.py: its bulk writes
queries.py    a contact's or a team's rows (GET /v1/analytics/contacts/{id},
              /v1/analytics/teams/{id}); charts.py: the report's sections
Specs: tests/projections/communication/.
"""

from projections.communication.projector import Communication

__all__ = ["Communication"]
