"""Communication specs: conversations, messages and activities counted per contact and
team, in 15-minute buckets, by channel; contacts' status and the teams that own anything."""

from datetime import timedelta

import pytest

from domain.activity import Activity
from domain.contact import Contact
from domain.conversation import Conversation as C
from projections.communication import Communication
from projections.communication.tables import CONTACTS, TEAMS, VOLUME
from tests.support.projector_specs import ANN, BOT, START, Given, covers, when_applied

pytestmark = pytest.mark.integration

CONV = {"conversation_id": "conv_1"}
OPENED = {**CONV, "channel": "chat", "contact_id": "c_ann"}


def volume(then, where: str = "true") -> list[tuple]:
    return then.rows(
        VOLUME, "subject_type", "subject_id", "team_id", "kind", "direction", "count", where=where
    )


@covers(C.Opened, C.MessageReceived, C.MessageSent, C.Reassigned, C.ChatbotHandedOver)
async def test_given_a_conversation_changing_teams_then_each_message_counts_for_its_owner(
    database_url,
):
    given = (
        Given()
        .tell("conversation.opened", OPENED, actor=ANN, team="bots")
        .tell(
            "conversation.message_received", {**CONV, "message_id": "m_1", "body": "Hi"}, actor=ANN
        )
        .tell(
            "conversation.chatbot_handed_over",
            {**CONV, "bot_id": "b", "to_team_id": "support"},
            actor=BOT,
        )
        .tell("conversation.message_sent", {**CONV, "message_id": "m_2", "body": "Hello"})
        .tell(
            "conversation.chatbot_handed_over",
            {**CONV, "bot_id": "b", "to_agent_id": "u_2"},
            actor=BOT,
        )
        .tell(
            "conversation.message_received", {**CONV, "message_id": "m_3", "body": "?"}, actor=ANN
        )
        .tell("conversation.opened", OPENED, ws="ws_b", actor=ANN)
    )
    then = await when_applied(database_url, Communication, given)
    assert volume(then, "workspace_id = 'ws_a'") == [
        ("contact", "c_ann", "bots", "conversation", None, 1),
        ("contact", "c_ann", "bots", "message", "inbound", 1),
        ("contact", "c_ann", "support", "message", "inbound", 1),  # no team named: kept
        ("contact", "c_ann", "support", "message", "outbound", 1),
        ("team", "bots", "bots", "conversation", None, 1),
        ("team", "bots", "bots", "message", "inbound", 1),
        ("team", "support", "support", "message", "inbound", 1),
        ("team", "support", "support", "message", "outbound", 1),
    ]
    assert volume(then, "workspace_id = 'ws_b'") == [
        ("contact", "c_ann", None, "conversation", None, 1)
    ]
    assert then.rows(TEAMS) == [("ws_a", "bots"), ("ws_a", "support")]


@covers(Activity.Logged, Activity.TicketCreated, Activity.WidgetChatStarted)
async def test_given_activities_then_only_communication_counts_in_its_bucket(database_url):
    call = {"activity_id": "a_1", "type": "call", "direction": "outbound", "contact_id": "c_ann"}
    given = (
        Given()
        .tell("contact.added", {"contact_id": "c_ann", "name": "Ann", "source": "user"}, minutes=0)
        .tell("activity.logged", call, team="sales", minutes=1)
        .tell("activity.logged", {**call, "activity_id": "a_2", "type": "note"}, minutes=2)
        .tell("activity.ticket_created", {"ticket_id": "T-1", "contact_id": "c_ann"}, minutes=16)
        .tell("activity.widget_chat_started", {"chat_id": "w_1", "contact_id": "c_vi"}, minutes=17)
    )
    then = await when_applied(database_url, Communication, given)
    assert then.rows(
        VOLUME, "subject_id", "bucket", "channel", "direction", "count", where="kind = 'activity'"
    ) == [
        ("c_ann", START, "call", "outbound", 1),  # the note is no communication
        ("c_ann", START + timedelta(minutes=15), "ticket", "inbound", 1),
        ("c_vi", START + timedelta(minutes=15), "chat", "inbound", 1),
        ("sales", START, "call", "outbound", 1),
    ]


@covers(Activity.Deleted)
async def test_given_a_deleted_activity_then_its_count_is_taken_off(database_url):
    call = {"activity_id": "a_1", "type": "call", "contact_id": "c_ann"}
    given = (
        Given()
        .tell("activity.logged", call)
        .tell("activity.logged", {**call, "activity_id": "a_2"})
        .tell("activity.deleted", {"activity_id": "a_1"})
        .tell("activity.logged", call, ws="ws_b")
    )
    then = await when_applied(database_url, Communication, given)
    assert then.rows(VOLUME, "workspace_id", "subject_id", "count") == [
        ("ws_a", "c_ann", 1),
        ("ws_b", "c_ann", 1),
    ]


@covers(Contact.Added, Contact.Deleted, Contact.MergedInto)
async def test_given_contacts_deleted_and_merged_then_their_status_says_so(database_url):
    def added(contact: str) -> dict:
        return {"contact_id": contact, "name": contact, "source": "user"}

    given = (
        Given()
        .tell("contact.added", added("c_ann"))
        .tell("contact.added", added("c_bo"))
        .tell("contact.added", added("c_cy"))
        .tell("contact.deleted", {"contact_id": "c_cy"})
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
        .tell("contact.added", added("c_cy"), ws="ws_b")
    )
    then = await when_applied(database_url, Communication, given)
    assert then.rows(CONTACTS) == [
        ("ws_a", "c_ann", "active", None),
        ("ws_a", "c_bo", "merged", "c_ann"),
        ("ws_a", "c_cy", "deleted", None),
        ("ws_b", "c_cy", "active", None),
    ]
