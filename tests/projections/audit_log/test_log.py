"""Audit log specs: every event of every aggregate is a row of its workspace's log, with
its type, record, actor and time; what colliding workspaces send stays apart."""

import pytest

from domain.contact import Contact
from domain.conversation import Conversation
from projections.audit_log import AuditLog
from projections.audit_log.tables import EVENTS
from tests.support.projector_specs import ANN, Given, covers, when_applied

pytestmark = pytest.mark.integration

CONV = {"conversation_id": "conv_1"}


@covers(Contact.Event, Conversation.Event)
async def test_given_events_of_several_aggregates_then_each_is_a_row_of_its_workspaces_log(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", {"contact_id": "c_ann", "name": "Ann", "source": "user"})
        .tell("conversation.opened", {**CONV, "channel": "email", "contact_id": "c_ann"}, actor=ANN)
        .tell("conversation.tag_added", {**CONV, "tag": "vip"}, team="support")
        .tell("conversation.opened", {**CONV, "channel": "sms"}, ws="ws_b")
    )
    then = await when_applied(database_url, AuditLog, given)
    columns = ("workspace_id", "position", "type", "actor_type", "actor_id")
    assert then.rows(EVENTS, *columns) == [
        ("ws_a", 1, "contact.added", "user", "u_17"),
        ("ws_a", 2, "conversation.opened", "customer", "c_ann"),
        ("ws_a", 3, "conversation.tag_added", "user", "u_17"),
        ("ws_b", 4, "conversation.opened", "user", "u_17"),
    ]
    # one record's events share its aggregate id; the other workspace's same id does not
    ids = then.rows(EVENTS, "workspace_id", "aggregate_id", where="type LIKE 'conversation.%'")
    assert ids[0][1] == ids[1][1] != ids[2][1]
