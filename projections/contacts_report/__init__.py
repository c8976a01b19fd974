"""The contacts report read model (seed 004): contacts added, connected, deleted and
merged, counted for charts and listed in logs.

tables.py     its tables (rm_contacts_report): counts, user_counts, their days,
              zones, logs, contacts
projector.py  ContactsReport: the handlers, by event class
queries.py    counts and the contact filter; charts.py: the charts from the counts
logs.py       the logs and their CSV export
Shown at ENDPOINTS (below); specs: tests/projections/contacts_report/.
"""

from projections.contacts_report.projector import ContactsReport

# The API endpoints that show this read model (tests/unit/test_docs.py checks they exist)
ENDPOINTS = (
    "GET /v1/reports/contacts",
    "GET /v1/reports/contacts/filters",
    "GET /v1/reports/contacts/logs/{log}",
    "GET /v1/reports/contacts/logs/{log}/export",
)
__all__ = ["ENDPOINTS", "ContactsReport"]
