"""Conversations specs: the summary row of a conversation, as its events change it."""

import pytest

from domain.conversation import Conversation as C
from projections.conversations import Conversations
from projections.conversations.tables import CONVERSATIONS
from tests.support.projector_specs import ANN, BOT, Given, covers, when_applied

pytestmark = pytest.mark.integration

CONV = {"conversation_id": "conv_1"}
OPENED = {**CONV, "channel": "email", "inbox_id": "support", "contact_id": "c_ann", "subject": "Hi"}


def summary(then, *columns: str) -> list[tuple]:
    return then.rows(CONVERSATIONS, "workspace_id", "conversation_id", *columns)


@covers(C.Opened)
async def test_given_conversations_opened_then_each_has_a_row_of_its_workspace(database_url):
    given = (
        Given()
        .tell("conversation.opened", OPENED, actor=ANN, team="support")
        .tell("conversation.opened", {**OPENED, "channel": "sms", "subject": None}, ws="ws_b")
    )
    then = await when_applied(database_url, Conversations, given)
    assert summary(then, "channel", "queue", "subject", "status", "team_id", "message_count") == [
        ("ws_a", "conv_1", "email", "support", "Hi", "open", "support", 0),
        ("ws_b", "conv_1", "sms", "support", None, "open", None, 0),
    ]


@covers(C.Resolved, C.ChatbotResolved, C.Reopened, C.PutOnHold, C.RepliedAndReopened)
async def test_given_status_changes_then_the_row_has_the_last_one(database_url):
    given = (
        Given()
        .tell("conversation.opened", OPENED)
        .tell("conversation.resolved", CONV)
        .tell("conversation.reopened", CONV)
        .tell("conversation.put_on_hold", CONV)
        .tell("conversation.opened", OPENED, ws="ws_b")
        .tell("conversation.chatbot_resolved", {**CONV, "bot_id": "b"}, ws="ws_b", actor=BOT)
        .tell("conversation.opened", {**OPENED, "conversation_id": "conv_2"}, ws="ws_b")
        .tell("conversation.resolved", {"conversation_id": "conv_2"}, ws="ws_b")
        .tell(
            "conversation.replied_and_reopened",
            {"conversation_id": "conv_2", "message_id": "m_1", "body": "One more thing"},
            ws="ws_b",
        )
    )
    then = await when_applied(database_url, Conversations, given)
    assert summary(then, "status") == [
        ("ws_a", "conv_1", "on_hold"),
        ("ws_b", "conv_1", "resolved"),
        ("ws_b", "conv_2", "open"),
    ]


@covers(C.Reassigned, C.ChatbotHandedOver)
async def test_given_a_conversation_changing_hands_then_its_row_has_its_owner(database_url):
    given = (
        Given()
        .tell("conversation.opened", OPENED, team="bots")
        .tell("conversation.reassigned", {**CONV, "to_agent_id": "u_17", "to_team_id": "support"})
        .tell("conversation.chatbot_handed_over", {**CONV, "bot_id": "b", "to_team_id": "billing"})
        .tell("conversation.opened", OPENED, ws="ws_b", team="bots")
        .tell(
            "conversation.reassigned",
            {**CONV, "to_agent_id": "u_17", "to_team_id": "sales"},
            ws="ws_b",
        )
        .tell("conversation.reassigned", {**CONV, "to_team_id": "sales"}, ws="ws_b")
    )
    then = await when_applied(database_url, Conversations, given)
    assert summary(then, "team_id", "assignee_id") == [
        ("ws_a", "conv_1", "billing", "u_17"),  # the bot named no agent: the agent stays
        ("ws_b", "conv_1", "sales", None),  # reassigned to the team alone: nobody's
    ]


@covers(C.Moved, C.SubjectEdited, C.MergedInto)
async def test_given_a_move_a_new_subject_and_a_merge_then_the_row_shows_them(database_url):
    given = (
        Given()
        .tell("conversation.opened", OPENED)
        .tell("conversation.opened", {**OPENED, "conversation_id": "conv_2"})
        .tell("conversation.moved", {**CONV, "to_inbox_id": "billing"})
        .tell("conversation.subject_edited", {**CONV, "subject": "Refund"})
        .tell("conversation.merged", {**CONV, "into_conversation_id": "conv_2"})
        .tell("conversation.opened", OPENED, ws="ws_b")
    )
    then = await when_applied(database_url, Conversations, given)
    assert summary(then, "queue", "subject", "merged_into") == [
        ("ws_a", "conv_1", "billing", "Refund", "conv_2"),
        ("ws_a", "conv_2", "support", "Hi", None),
        ("ws_b", "conv_1", "support", "Hi", None),
    ]
