"""Audit trail specs: every event of a conversation, with its version, actor and time."""

import pytest

from domain.conversation import Conversation
from projections.audit_trail import AuditTrail
from projections.audit_trail.tables import ENTRIES
from tests.support.projector_specs import ANN, Given, covers, when_applied

pytestmark = pytest.mark.integration

CONV = {"conversation_id": "conv_1"}


@covers(Conversation.Event)
async def test_given_a_conversations_events_then_each_is_an_entry_of_its_trail(database_url):
    given = (
        Given()
        .tell("contact.added", {"contact_id": "c_ann", "name": "Ann", "source": "user"})
        .tell("conversation.opened", {**CONV, "channel": "email", "contact_id": "c_ann"}, actor=ANN)
        .tell("conversation.tag_added", {**CONV, "tag": "vip"}, team="support")
        .tell("conversation.reassigned", {**CONV, "to_agent_id": "u_21", "to_team_id": "billing"})
        .tell("conversation.opened", {**CONV, "channel": "sms"}, ws="ws_b")
    )
    then = await when_applied(database_url, AuditTrail, given)
    columns = ("workspace_id", "conversation_id", "version", "type", "actor_type", "team_id")
    assert then.rows(ENTRIES, *columns) == [
        ("ws_a", "conv_1", 1, "conversation.opened", "customer", None),
        ("ws_a", "conv_1", 2, "conversation.tag_added", "user", "support"),
        ("ws_a", "conv_1", 3, "conversation.reassigned", "user", None),
        ("ws_b", "conv_1", 1, "conversation.opened", "user", None),
    ]
    assert then.rows(ENTRIES, "summary", where="workspace_id = 'ws_a'") == [
        ("Conversation opened on email",),
        ("Reassigned from nobody to u_21 (billing)",),
        ("Tag added: vip",),
    ]
