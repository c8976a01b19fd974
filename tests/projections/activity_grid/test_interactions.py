"""The activity grid's rows for closed interactions: the conversation's contact, agent and
owning team when the interaction closed."""

import pytest

from domain.conversation import Conversation
from projections.activity_grid import ActivityGrid
from projections.activity_grid.tables import ACTIVITIES, CONVERSATIONS
from tests.support.projector_specs import ANN, BOT, Given, covers, when_applied

pytestmark = pytest.mark.integration

ANN_ADDED = {"contact_id": "c_ann", "name": "Ann Lee", "source": "user"}
CONV = {"conversation_id": "conv_1"}
OPENED = {**CONV, "channel": "chat", "contact_id": "c_ann"}
CLOSED = {**CONV, "queue": "support", "channel": "chat", "message_count": 2}


@covers(Conversation.ChatbotHandedOver)
async def test_given_a_chatbot_handover_to_a_team_then_the_closed_interaction_is_that_teams(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", ANN_ADDED)
        .tell("conversation.opened", OPENED, actor=ANN, team="bots")
        .tell(
            "conversation.message_received", {**CONV, "message_id": "m_1", "body": "Hi"}, actor=ANN
        )
        .tell(
            "conversation.chatbot_handed_over",
            {**CONV, "bot_id": "bot_1", "to_team_id": "billing", "to_agent_id": "u_21"},
            actor=BOT,
        )
        .tell("conversation.interaction_closed", CLOSED)
    )
    then = await when_applied(database_url, ActivityGrid, given)
    assert then.rows(ACTIVITIES, "source", "contact_name", "agent_id", "team_id") == [
        ("interaction", "Ann Lee", "u_21", "billing")
    ]


@covers(Conversation.Opened, Conversation.InteractionClosed)
async def test_given_interactions_closed_then_each_is_a_row_with_its_conversations_contact(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", ANN_ADDED)
        .tell("conversation.opened", {**OPENED, "channel": "email"}, actor=ANN, team="support")
        .tell(
            "conversation.message_received", {**CONV, "message_id": "m_1", "body": "Hi"}, actor=ANN
        )
        .tell("conversation.interaction_closed", {**CLOSED, "channel": "email"})
        .tell("conversation.opened", {**OPENED, "contact_id": None}, ws="ws_b")
        .tell("conversation.interaction_closed", {**CONV, "channel": "phone"}, ws="ws_b")
    )
    then = await when_applied(database_url, ActivityGrid, given)
    columns = ("workspace_id", "type", "contact_id", "contact_name", "team_id", "summary")
    assert then.rows(ACTIVITIES, *columns) == [
        (
            "ws_a",
            "email",
            "c_ann",
            "Ann Lee",
            "support",
            "Interaction on email in support, 2 messages",
        ),
        ("ws_b", "call", None, None, None, "Interaction on phone, 0 messages"),
    ]
    # the type is the interaction's channel; `channel`, its conversation's (the email rule
    # reads both)
    assert then.rows(ACTIVITIES, "workspace_id", "type", "channel") == [
        ("ws_a", "email", "email"),
        ("ws_b", "call", "chat"),
    ]
    assert then.rows(ACTIVITIES, "first_message", where="workspace_id = 'ws_a'") == [("Hi",)]


@covers(Conversation.Reassigned)
async def test_given_a_reassigned_conversation_then_its_interaction_is_the_new_owners(
    database_url,
):
    given = (
        Given()
        .tell("conversation.opened", OPENED, team="support")
        .tell("conversation.reassigned", {**CONV, "to_agent_id": "u_17", "to_team_id": "billing"})
        .tell("conversation.interaction_closed", CLOSED)
        .tell("conversation.reassigned", {**CONV, "to_team_id": "sales"})
        .tell("conversation.interaction_closed", CLOSED)
    )
    then = await when_applied(database_url, ActivityGrid, given)
    assert then.rows(ACTIVITIES, "position", "agent_id", "team_id") == [
        (3, "u_17", "billing"),
        (5, None, "sales"),
    ]
    assert then.rows(CONVERSATIONS, "agent_id", "team_id") == [(None, "sales")]
