"""The emails read model: outgoing emails with their status and history, incoming
emails, each contact's email history, and senders no contact has.

tables.py     its tables (rm_emails): outgoing, history, incoming, contact_emails,
              unknown_senders
projector.py  Emails: the handlers, by event class; writes.py: their statements
erasure.py    the rewrite after an erasure
queries.py    an email, a contact's emails, a mailbox's outgoing, unknown senders
Shown at ENDPOINTS (below); specs: tests/projections/emails/.
"""

from projections.emails.projector import Emails

# The API endpoints that show this read model (tests/unit/test_docs.py checks they exist)
ENDPOINTS = (
    "GET /v1/emails/{email_id}",
    "GET /v1/incoming-emails/{email_id}",
    "GET /v1/contacts/{contact_id}/emails",
    "GET /v1/mailboxes/{mailbox_id}/outgoing",
    "GET /v1/unknown-senders",
)
__all__ = ["ENDPOINTS", "Emails"]
