"""The emails read model: outgoing emails with their status and history, incoming
emails, each contact's email history, and senders no contact has.

tables.py     its tables (rm_emails): outgoing, history, incoming, contact_emails,
              unknown_senders
projector.py  Emails: the handlers, by event class; writes.py: their statements
erasure.py    the rewrite after an erasure
queries.py    an email, a contact's emails, a mailbox's outgoing, unknown senders
              (GET /v1/emails/{id}, /v1/incoming-emails/{id}, /v1/contacts/{id}/emails,
              /v1/mailboxes/{id}/outgoing, /v1/unknown-senders)
Specs: tests/projections/emails/.
"""

from projections.emails.projector import Emails

__all__ = ["Emails"]
