"""The activity grid read model (seed 002): every activity and closed interaction of a
workspace, with the grid's columns and filters.

tables.py     its tables (rm_activity_grid): activities, contacts, conversations
projector.py  ActivityGrid: the handlers, by event class; rows.py: a new row's values;
              lookup.py, pending.py: one batch's reads and new rows, in memory
erasure.py    the rewrite after an erasure
queries.py    the grid's page and filters, its row shape
live.py       the live grid (rows added, changed, removed)
Shown at ENDPOINTS (below); specs: tests/projections/activity_grid/.
"""

from projections.activity_grid.projector import ActivityGrid

# The API endpoints that show this read model (tests/unit/test_docs.py checks they exist)
ENDPOINTS = (
    "GET /v1/activities",
    "GET /v1/activities/live",
)
__all__ = ["ENDPOINTS", "ActivityGrid"]
