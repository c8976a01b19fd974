"""Emails specs: received emails, and senders no contact has until a contact gets the
address."""

import pytest

from domain.contact import Contact
from domain.incoming_email import IncomingEmail
from projections.emails import Emails
from projections.emails.tables import CONTACT_EMAILS, INCOMING, UNKNOWN_SENDERS
from tests.support.projector_specs import Given, covers, when_applied

pytestmark = pytest.mark.integration


def received(n: int, sender: str) -> dict:
    return {
        "mailbox_id": "mb_1",
        "message_id": f"<m{n}@example.org>",
        "sender": {"address": sender, "name": "Lee"},
        "to": [{"address": "support@acme.test"}],
        "subject": f"Question {n}",
        "body": "Hello?",
    }


@covers(IncomingEmail.Received)
async def test_given_emails_received_then_each_is_on_its_senders_history_or_unknown(
    database_url,
):
    given = (
        Given()
        .tell(
            "contact.added",
            {"contact_id": "c_ann", "name": "Ann", "source": "user", "emails": ["ann@example.com"]},
        )
        .tell("email.received", received(1, "Ann@Example.com"))
        .tell("email.received", received(2, "lee@example.org"))
        .tell("email.received", received(3, "LEE@example.org"))
        .tell("email.received", received(4, "lee@example.org"), ws="ws_b")
    )
    then = await when_applied(database_url, Emails, given)
    assert then.rows(INCOMING, "workspace_id", "subject", "contact_ids") == [
        ("ws_a", "Question 1", ["c_ann"]),
        ("ws_a", "Question 2", []),
        ("ws_a", "Question 3", []),
        ("ws_b", "Question 4", []),
    ]
    assert then.rows(CONTACT_EMAILS, "contact_id", "direction") == [("c_ann", "inbound")]
    assert then.rows(UNKNOWN_SENDERS, "workspace_id", "address", "emails", "last_subject") == [
        ("ws_a", "lee@example.org", 2, "Question 3"),
        ("ws_b", "lee@example.org", 1, "Question 4"),
    ]


@covers(Contact.Added, Contact.Updated)
async def test_given_a_contact_gets_an_unknown_senders_address_then_it_is_unknown_no_more(
    database_url,
):
    lee = {"contact_id": "c_lee", "name": "Lee", "source": "user"}
    given = (
        Given()
        .tell("email.received", received(1, "lee@example.org"))
        .tell("email.received", received(2, "kim@example.org"))
        .tell("email.received", received(3, "lee@example.org"), ws="ws_b")
        .tell("contact.added", lee)
        .tell(
            "contact.updated",
            {"contact_id": "c_lee", "field": "emails", "new": ["LEE@example.org"]},
        )
        .tell("contact.added", {**lee, "contact_id": "c_kim", "emails": ["kim@example.org"]})
    )
    then = await when_applied(database_url, Emails, given)
    assert then.rows(UNKNOWN_SENDERS, "workspace_id", "address") == [
        ("ws_b", "lee@example.org")  # another workspace's contact does not know it
    ]
