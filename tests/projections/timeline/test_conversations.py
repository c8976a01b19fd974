"""Timeline specs: a conversation's events on its contact's timeline, owned by the team
that owns the conversation after each event."""

import pytest

from domain.conversation import Conversation
from projections.timeline import Timeline
from projections.timeline.tables import CONVERSATIONS, ENTRIES
from tests.support.projector_specs import ANN, BOT, Given, covers, when_applied

pytestmark = pytest.mark.integration

CONV = {"conversation_id": "conv_1"}


def message(n: int) -> dict:
    return {**CONV, "message_id": f"m_{n}", "body": f"Message {n}"}


@covers(Conversation.Opened, Conversation.Reassigned, Conversation.ChatbotHandedOver)
async def test_given_a_conversation_changing_hands_then_each_entry_is_its_owners(database_url):
    given = (
        Given()
        .tell("contact.added", {"contact_id": "c_ann", "name": "Ann", "source": "user"})
        .tell(
            "conversation.opened", {**CONV, "channel": "chat", "contact_id": "c_ann"}, team="bots"
        )
        .tell("conversation.message_received", message(1), actor=ANN)
        .tell("conversation.reassigned", {**CONV, "to_agent_id": "u_17", "to_team_id": "support"})
        .tell(
            "conversation.chatbot_handed_over",
            {**CONV, "bot_id": "b", "to_agent_id": "u_2"},
            actor=BOT,
        )
        .tell(
            "conversation.chatbot_handed_over",
            {**CONV, "bot_id": "b", "to_team_id": "sales"},
            actor=BOT,
        )
        .tell("conversation.message_sent", message(2), team="support")
    )
    then = await when_applied(database_url, Timeline, given)
    conversation = "source_type = 'conversation'"
    assert [
        row[1:] for row in then.rows(ENTRIES, "position", "type", "team_id", where=conversation)
    ] == [
        ("conversation.opened", "bots"),
        ("conversation.message_received", "bots"),
        ("conversation.reassigned", "support"),
        ("conversation.chatbot_handed_over", "support"),  # names no team: keeps it
        ("conversation.chatbot_handed_over", "sales"),
        ("conversation.message_sent", "sales"),  # the owner's, not the sender's team
    ]
    assert then.rows(CONVERSATIONS) == [("ws_a", "conv_1", "c_ann", "sales", "chat")]
    # every entry names the conversation's channel (what the email rule reads)
    assert {row[0] for row in then.rows(ENTRIES, "channel", where=conversation)} == {"chat"}


@covers(Conversation.Event)
async def test_given_conversations_of_the_same_id_in_two_workspaces_then_each_is_its_own(
    database_url,
):
    given = Given()
    for ws, contact in (("ws_a", "c_ann"), ("ws_b", "c_bo")):
        given.tell(
            "contact.added", {"contact_id": contact, "name": contact, "source": "user"}, ws=ws
        )
        given.tell(
            "conversation.opened", {**CONV, "channel": "email", "contact_id": contact}, ws=ws
        )
        given.tell("conversation.tag_added", {**CONV, "tag": f"vip-{ws}"}, ws=ws)
    given.tell("conversation.opened", {"conversation_id": "conv_9", "channel": "email"})
    then = await when_applied(database_url, Timeline, given)
    assert then.rows(
        ENTRIES,
        "workspace_id",
        "subject_id",
        "link_id",
        "summary",
        "channel",
        where="type LIKE 'conv%'",
    ) == [
        ("ws_a", "c_ann", "conv_1", "Conversation opened on email", "email"),
        ("ws_a", "c_ann", "conv_1", "Tag added: vip-ws_a", "email"),
        ("ws_b", "c_bo", "conv_1", "Conversation opened on email", "email"),
        ("ws_b", "c_bo", "conv_1", "Tag added: vip-ws_b", "email"),
    ]  # conv_9 has no contact: on no timeline
    assert then.rows(CONVERSATIONS, "workspace_id", "conversation_id", "contact_id") == [
        ("ws_a", "conv_1", "c_ann"),
        ("ws_a", "conv_9", None),
        ("ws_b", "conv_1", "c_bo"),
    ]
