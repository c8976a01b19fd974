"""Workspace directory specs: settings and their history, channels, users."""

import pytest

from domain.contact import Contact
from domain.conversation import Conversation as C
from domain.workspace import Workspace as W
from projections.workspace import WorkspaceDirectory
from projections.workspace.tables import CHANNELS, HISTORY, SETTINGS, USERS
from tests.support.projector_specs import ANN, DANA, SAM, Given, covers, when_applied

pytestmark = pytest.mark.integration

CONV = {"conversation_id": "conv_1"}


@covers(W.Registered, W.TimeZoneChanged)
async def test_given_time_zone_changes_then_the_last_is_the_workspaces(database_url):
    given = (
        Given()
        .tell("workspace.settings_changed", {"time_zone": "Europe/Paris"})
        .tell("workspace.settings_changed", {"time_zone": "Asia/Kolkata"})
        .tell("workspace.settings_changed", {"time_zone": "America/Denver"}, ws="ws_b")
    )
    then = await when_applied(database_url, WorkspaceDirectory, given)
    assert then.rows(SETTINGS, "workspace_id", "time_zone") == [
        ("ws_a", "Asia/Kolkata"),
        ("ws_b", "America/Denver"),
    ]
    assert then.rows(HISTORY, "workspace_id", "summary", where="workspace_id = 'ws_a'") == [
        ("ws_a", "Time zone changed from Europe/Paris to Asia/Kolkata"),
        ("ws_a", "Time zone changed from UTC to Europe/Paris"),
        ("ws_a", "Workspace settings started (time zone UTC)"),
    ]


@covers(W.ChannelAdded, W.ChannelDeleted)
async def test_given_channels_added_and_deleted_then_the_directory_marks_them(database_url):
    given = (
        Given()
        .tell("workspace.channel_added", {"channel": "whatsapp", "name": "Support WA"})
        .tell("workspace.channel_added", {"channel": "sms"})
        .tell("workspace.channel_deleted", {"channel": "sms"})
        .tell("workspace.channel_added", {"channel": "sms"}, ws="ws_b")
    )
    then = await when_applied(database_url, WorkspaceDirectory, given)
    found = then.rows(CHANNELS, "workspace_id", "channel", "name", "deleted_at IS NOT NULL")
    assert found == [
        ("ws_a", "sms", None, True),
        ("ws_a", "whatsapp", "Support WA", False),
        ("ws_b", "sms", None, False),
    ]


@covers(Contact.Connected, C.Opened, C.MessageReceived, C.MessageSent, Contact.Added)
async def test_given_contacts_conversations_and_messages_then_their_channels_are_known(
    database_url,
):
    ann = {"contact_id": "c_ann", "name": "Ann", "source": "user"}
    given = (
        Given()
        .tell("contact.added", {**ann, "handles": [{"channel": "instagram", "handle": "@ann"}]})
        .tell("contact.connected", {"contact_id": "c_ann", "channel": "sms", "source": "user"})
        .tell("conversation.opened", {**CONV, "channel": "email"})
        .tell(
            "conversation.message_received",
            {**CONV, "message_id": "m_1", "body": "Hi", "channel": "chat"},
            actor=ANN,
        )
        .tell("conversation.opened", {**CONV, "channel": "telegram"}, ws="ws_b")
    )
    then = await when_applied(database_url, WorkspaceDirectory, given)
    assert then.rows(CHANNELS, "workspace_id", "channel") == [
        ("ws_a", "chat"),
        ("ws_a", "email"),
        ("ws_a", "instagram"),
        ("ws_a", "sms"),
        ("ws_b", "telegram"),
    ]


@covers(Contact.Event, C.Event, W.UserDeleted)
async def test_given_users_acting_then_they_are_known_by_their_last_name_and_deletion(
    database_url,
):
    renamed = ("user", "u_17", "Dana Smith")
    nameless = ("user", "u_21", None)
    given = (
        Given()
        .tell("contact.added", {"contact_id": "c_ann", "name": "Ann", "source": "user"}, actor=DANA)
        .tell("conversation.opened", {**CONV, "channel": "email"}, actor=renamed)
        .tell("conversation.tag_added", {**CONV, "tag": "vip"}, actor=SAM)
        .tell("conversation.tag_added", {**CONV, "tag": "new"}, actor=nameless)  # keeps Sam
        .tell("conversation.tag_removed", {**CONV, "tag": "vip"}, actor=ANN)  # no user
        .tell("workspace.user_deleted", {"user_id": "u_21"}, actor=renamed)
        .tell("conversation.opened", {**CONV, "channel": "sms"}, ws="ws_b", actor=SAM)
    )
    then = await when_applied(database_url, WorkspaceDirectory, given)
    assert then.rows(USERS, "workspace_id", "user_id", "name", "deleted_at IS NOT NULL") == [
        ("ws_a", "u_17", "Dana Smith", False),
        ("ws_a", "u_21", "Sam", True),
        ("ws_b", "u_21", "Sam", False),
    ]
