"""The contacts report read model (seed 004): contacts added, connected, deleted and
merged, counted for charts and listed in logs.

tables.py     its tables (rm_contacts_report): counts, user_counts, logs, contacts
projector.py  ContactsReport: the handlers, by event class
queries.py    counts and the contact filter (GET /v1/reports/contacts, /filters);
              charts.py: the charts from the counts
logs.py       the logs and their CSV export (GET /v1/reports/contacts/logs/{log}, /export)
Specs: tests/projections/contacts_report/.
"""

from projections.contacts_report.projector import ContactsReport

__all__ = ["ContactsReport"]
