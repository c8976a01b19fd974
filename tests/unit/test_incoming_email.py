"""Received emails through the real handlers: once per mailbox and Message-ID, whatever
the path; the sender matched to contacts by address, case-insensitively."""

import base64

import pytest

from domain.incoming_email import IncomingEmail
from domain.shared import RuleViolation
from services.ingest.dry_run import Workspace
from tests.support.domain import names

pytestmark = pytest.mark.unit
RAW = (
    b"From: Ann Lee <ANN.Work@Example.com>\r\nTo: dana@acme.test\r\nSubject: Hello\r\n"
    b"Message-ID: <m-1@example.com>\r\n\r\nIt arrived, thanks!\r\n"
)


def ann(**extra):
    data = {"contact_id": "c_ann", "name": "Ann", "source": "user"}
    return (
        "contact.added",
        {**data, "emails": ["ann@example.com", "ann.work@example.com"], **extra},
    )


def raw(message: bytes = RAW, mailbox: str = "mb_dana") -> dict:
    return {"mailbox_id": mailbox, "raw": base64.b64encode(message).decode()}


def parsed(sender: str, message_id: str = "<m-1@example.com>", mailbox: str = "mb_dana"):
    return {
        "mailbox_id": mailbox,
        "message_id": message_id,
        "sender": {"address": sender},
        "subject": "Hello",
        "body": "It arrived, thanks!",
    }


def test_a_raw_message_is_parsed_and_matched_on_any_of_the_contacts_addresses():
    [received] = Workspace().given(ann()).tell("email.raw_received", raw())
    assert names([received]) == ["Received"]
    assert received.contact_ids == ("c_ann",)
    assert (received.sender.address, received.subject) == ("ANN.Work@Example.com", "Hello")
    assert received.snippet == "It arrived, thanks!" and received.via == "raw"


def test_the_same_message_id_in_the_same_mailbox_is_recorded_once_whichever_path():
    ws = Workspace().given(ann())
    assert len(ws.tell("email.raw_received", raw())) == 1
    assert ws.tell("email.received", parsed("ann@example.com")) == []
    assert ws.tell("email.received", parsed("ann@example.com", " m-1@example.com ")) == []
    assert ws.tell("email.raw_received", raw()) == []
    again = ws.tell("email.raw_received", raw(mailbox="mb_sam"))  # another mailbox: its own
    assert len(again) == 1
    assert again[0].originator_id == IncomingEmail.id_for("ws_acme", "mb_sam", "<m-1@example.com>")


def test_an_unknown_sender_is_recorded_with_no_contact():
    [received] = Workspace().given(ann()).tell("email.received", parsed("stranger@example.org"))
    assert received.contact_ids == ()


def test_addresses_given_later_deleted_contacts_and_merges_are_followed():
    ws = Workspace().given(
        ("contact.added", {"contact_id": "c_bo", "source": "user"}),
        ("contact.updated", {"contact_id": "c_bo", "field": "emails", "new": ["BO@x.test"]}),
    )
    assert ws.tell("email.received", parsed("bo@X.TEST", "<1@x>"))[0].contact_ids == ("c_bo",)
    ws.given(("contact.updated", {"contact_id": "c_bo", "field": "emails", "new": []}))
    assert ws.tell("email.received", parsed("bo@x.test", "<2@x>"))[0].contact_ids == ()
    ws.given(ann(), ("contact.added", {"contact_id": "c_cy", "source": "user", "emails": ["cy@x"]}))
    ws.given(("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_cy"]}))
    assert ws.tell("email.received", parsed("cy@x", "<3@x>"))[0].contact_ids == ("c_ann",)
    ws.given(("contact.deleted", {"contact_id": "c_ann"}))
    assert ws.tell("email.received", parsed("ann@example.com", "<4@x>"))[0].contact_ids == ()


def test_a_message_that_cannot_be_recorded_is_refused_with_the_reason():
    ws = Workspace()
    with pytest.raises(RuleViolation) as no_sender:
        ws.tell("email.raw_received", raw(b"To: a@b.c\r\nSubject: x\r\n\r\nbody\r\n"))
    assert (no_sender.value.rule, no_sender.value.field) == ("email.unparseable", "data.raw")
    assert "no sender" in no_sender.value.message
    with pytest.raises(RuleViolation) as not_base64:
        ws.tell("email.raw_received", {"mailbox_id": "mb", "raw": "not base64!"})
    assert not_base64.value.rule == "email.raw_base64"


def test_a_sent_email_is_matched_to_recipient_contacts_and_its_linked_contact():
    ws = Workspace().given(
        ann(), ("contact.added", {"contact_id": "c_bo", "source": "user", "emails": ["bo@x"]})
    )
    draft = {
        "email_id": "em_1",
        "mailbox_id": "mb_dana",
        "recipients": [{"address": "Ann@EXAMPLE.com"}, {"address": "nobody@x", "kind": "cc"}],
        "subject": "Refund",
        "content": "<p>Done</p>",
        "link_type": "contact",
        "link_id": "c_bo",
    }
    [drafted] = ws.tell("email.drafted", draft)
    assert drafted.contact_ids == ("c_ann",)
    ws.given(("email.queued", {"email_id": "em_1"}))
    [sent] = ws.tell("email.sent", {"email_id": "em_1", "server_response": "250 ok"})
    assert sent.contact_ids == ("c_ann", "c_bo")
    assert (sent.snippet, sent.team_id, sent.direction) == ("Done", None, "outbound")
    with pytest.raises(RuleViolation) as again:
        ws.tell("email.sent", {"email_id": "em_1"})
    assert again.value.rule == "email.transition"
    assert ws.leftover == []
