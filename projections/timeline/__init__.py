"""The timeline read model: everything that happened with a contact, lead or account.

tables.py   its tables (rm_timeline): entries, conversations, contact_merges, badges
projector.py  Timeline: the handlers, by event class; rows.py: what an event becomes
queries.py  pages, badges (GET /v1/{contacts,leads,accounts}/{id}/timeline,
            POST /v1/timeline/badges); answers.py: their shapes
live.py     the live timeline (GET /v1/{contacts,leads,accounts}/{id}/timeline/live)
Specs: tests/projections/timeline/.
"""

from projections.timeline.projector import Timeline

__all__ = ["Timeline"]
