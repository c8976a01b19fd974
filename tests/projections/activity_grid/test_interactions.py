"""The activity grid's rows for closed interactions: the conversation's contact, agent and
owning team when the interaction closed."""

import pytest

from domain.conversation import Conversation
from projections.activity_grid import ActivityGrid
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
    assert then.rows("activities", "source", "contact_name", "agent_id", "team_id") == [
        ("interaction", "Ann Lee", "u_21", "billing")
    ]
