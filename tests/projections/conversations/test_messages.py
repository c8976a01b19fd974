"""Conversations specs: messages in order, their delivery and attachments, who viewed
them, and messages a merge brings in."""

import pytest

from domain.conversation import Conversation as C
from projections.conversations import Conversations
from projections.conversations.tables import CONVERSATIONS, MESSAGES, VIEWS
from tests.support.projector_specs import ANN, Given, covers, when_applied

pytestmark = pytest.mark.integration

CONV = {"conversation_id": "conv_1"}
OPENED = {**CONV, "channel": "email", "contact_id": "c_ann"}
PDF = {"name": "bill.pdf", "content_type": "application/pdf"}


def message(n: int, **more) -> dict:
    return {**CONV, "message_id": f"m_{n}", "body": f"Message {n}", **more}


@covers(C.MessageReceived, C.MessageSent, C.RepliedAndArchived, C.RepliedAndReopened)
async def test_given_messages_then_they_are_in_order_and_counted(database_url):
    given = (
        Given()
        .tell("conversation.opened", OPENED, actor=ANN)
        .tell("conversation.message_received", message(1, attachments=[PDF]), actor=ANN)
        .tell("conversation.message_sent", message(2))
        .tell("conversation.replied_and_archived", message(3))
        .tell("conversation.message_received", message(1), actor=ANN)  # told again
        .tell("conversation.opened", OPENED, ws="ws_b")
        .tell("conversation.message_received", message(1, body="Hej"), ws="ws_b", actor=ANN)
    )
    then = await when_applied(database_url, Conversations, given)
    assert then.rows(
        MESSAGES, "workspace_id", "message_id", "direction", "body", "sender_type", "status"
    ) == [
        ("ws_a", "m_1", "inbound", "Message 1", "customer", "sent"),
        ("ws_a", "m_2", "outbound", "Message 2", "user", "sent"),
        ("ws_a", "m_3", "outbound", "Message 3", "user", "sent"),
        ("ws_b", "m_1", "inbound", "Hej", "customer", "sent"),
    ]
    assert then.rows(CONVERSATIONS, "workspace_id", "message_count", "first_message") == [
        ("ws_a", 3, "Message 1"),
        ("ws_b", 1, "Hej"),
    ]


@covers(C.MessageViewed)
async def test_given_views_then_the_first_view_of_each_viewer_is_kept(database_url):
    viewed = {**CONV, "message_id": "m_2", "viewer": {"type": "customer", "id": "c_ann"}}
    given = (
        Given()
        .tell("conversation.opened", OPENED)
        .tell("conversation.message_sent", message(2))
        .tell("conversation.message_viewed", {**viewed, "viewed_at": "2026-11-20T10:00:00.250Z"})
        .tell("conversation.message_viewed", {**viewed, "viewed_at": "2026-11-20T11:00:00Z"})
    )
    then = await when_applied(database_url, Conversations, given)
    found = then.rows(VIEWS, "message_id", "viewer_type", "viewer_id", "viewed_at")
    assert [(m, t, v, at.isoformat()) for m, t, v, at in found] == [
        ("m_2", "customer", "c_ann", "2026-11-20T10:00:00.250000+00:00")
    ]


@covers(C.DeliveryFailed, C.BounceDetected)
async def test_given_undelivered_messages_then_their_status_says_so(database_url):
    given = (
        Given()
        .tell("conversation.opened", OPENED)
        .tell("conversation.message_sent", message(1))
        .tell("conversation.message_sent", message(2))
        .tell("conversation.delivery_failed", {**CONV, "message_id": "m_1", "reason": "blocked"})
        .tell("conversation.bounce_detected", {**CONV, "message_id": "m_2", "reason": "full"})
        .tell("conversation.message_sent", message(3))
    )
    then = await when_applied(database_url, Conversations, given)
    assert then.rows(MESSAGES, "message_id", "status") == [
        ("m_1", "failed"),
        ("m_2", "bounced"),
        ("m_3", "sent"),
    ]


@covers(C.AttachmentDeleted)
async def test_given_a_deleted_attachment_then_the_message_marks_it_deleted(database_url):
    given = (
        Given()
        .tell("conversation.opened", OPENED)
        .tell("conversation.message_received", message(1, attachments=[PDF, {"name": "a.png"}]))
        .tell(
            "conversation.attachment_deleted",
            {**CONV, "message_id": "m_1", "attachment_name": "bill.pdf"},
        )
    )
    then = await when_applied(database_url, Conversations, given)
    [(attachments,)] = then.rows(MESSAGES, "attachments")
    assert [(a["name"], a.get("deleted", False)) for a in attachments] == [
        ("bill.pdf", True),
        ("a.png", False),
    ]


@covers(C.MergedFrom)
async def test_given_a_merge_then_the_target_holds_the_sources_messages_marked(database_url):
    conv_2 = {"conversation_id": "conv_2"}
    given = (
        Given()
        .tell("conversation.opened", OPENED)
        .tell("conversation.message_received", message(1), actor=ANN)
        .tell("conversation.opened", {**OPENED, **conv_2})
        .tell("conversation.message_received", {**message(5), **conv_2}, actor=ANN)
        .tell("conversation.merged", {**CONV, "into_conversation_id": "conv_2"})
        .tell("conversation.message_sent", {**message(6), **conv_2})
    )
    then = await when_applied(database_url, Conversations, given)
    assert then.rows(MESSAGES, "conversation_id", "message_id", "origin_conversation_id") == [
        ("conv_1", "m_1", None),
        ("conv_2", "m_1", "conv_1"),
        ("conv_2", "m_5", None),
        ("conv_2", "m_6", None),
    ]
    assert then.rows(CONVERSATIONS, "conversation_id", "message_count") == [
        ("conv_1", 1),
        ("conv_2", 3),
    ]
