"""Timeline specs: activities on every record they name; a deletion marks them deleted,
takes them off the badges, and is an entry of its own."""

import pytest

from domain.activity import Activity
from projections.timeline import Timeline
from projections.timeline.tables import BADGES, ENTRIES
from tests.support.projector_specs import Given, covers, when_applied

pytestmark = pytest.mark.integration

ANN = {"contact_id": "c_ann", "name": "Ann Lee", "source": "user"}
CALL = {
    "activity_id": "a_1",
    "type": "call",
    "summary": "Called about the refund",
    "direction": "outbound",
    "source": "manual",
    "contact_id": "c_ann",
    "lead_id": "l_1",
    "account_id": "acc_1",
    "account_name": "Acme",
}


@covers(Activity.Logged, Activity.TicketCreated, Activity.WidgetChatStarted)
async def test_given_activities_then_each_is_on_the_timelines_of_the_records_it_names(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", ANN)
        .tell("activity.logged", CALL, team="support")
        .tell("activity.ticket_created", {"ticket_id": "T-9", "contact_id": "c_ann"})
        .tell("activity.widget_chat_started", {"chat_id": "w_5", "contact_id": "c_visitor"})
        .tell("activity.logged", {**CALL, "lead_id": None, "account_id": None}, ws="ws_b")
    )
    then = await when_applied(database_url, Timeline, given)
    assert then.rows(
        ENTRIES, "workspace_id", "subject_type", "subject_id", "category", "source_id", "team_id",
        where="source_type = 'activity' AND category = 'call'",
    ) == [
        ("ws_a", "account", "acc_1", "call", "a_1", "support"),
        ("ws_a", "contact", "c_ann", "call", "a_1", "support"),
        ("ws_a", "lead", "l_1", "call", "a_1", "support"),
        ("ws_b", "contact", "c_ann", "call", "a_1", None),
    ]  # fmt: skip
    assert then.rows(ENTRIES, "subject_id", "category", where="category IN ('ticket', 'chat')") == [
        ("c_ann", "ticket"),
        ("c_visitor", "chat"),
    ]
    # counted by record and by the team of the entries ('' for none)
    assert then.rows(BADGES, "workspace_id", "subject_type", "subject_id", "team_id", "count") == [
        ("ws_a", "account", "acc_1", "support", 1),
        ("ws_a", "contact", "c_ann", "", 1),
        ("ws_a", "contact", "c_ann", "support", 1),
        ("ws_a", "contact", "c_visitor", "", 1),
        ("ws_a", "lead", "l_1", "support", 1),
        ("ws_b", "contact", "c_ann", "", 1),
    ]  # fmt: skip


@covers(Activity.Deleted)
async def test_given_a_deleted_activity_then_its_entries_are_marked_and_no_longer_counted(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", ANN)
        .tell("activity.logged", {**CALL, "lead_id": None, "account_id": None})
        .tell("activity.logged", {"activity_id": "a_2", "type": "note", "contact_id": "c_ann"})
        .tell("activity.deleted", {"activity_id": "a_1"})
        .tell("contact.added", ANN, ws="ws_b")
        .tell(
            "activity.logged",
            {"activity_id": "a_1", "type": "note", "contact_id": "c_ann"},
            ws="ws_b",
        )
        # Bob's only activity, deleted: no badge row is left (applied in one batch or one
        # event at a time alike, which `when_applied` compares).
        .tell("activity.logged", {"activity_id": "a_3", "type": "note", "contact_id": "c_bob"})
        .tell("activity.deleted", {"activity_id": "a_3"})
    )
    then = await when_applied(database_url, Timeline, given)
    assert then.rows(
        ENTRIES, "workspace_id", "source_id", "type", "category", "deleted",
        where="source_type = 'activity'",
    ) == [
        ("ws_a", "a_1", "activity.deleted", "call", False),  # shown where the call was
        ("ws_a", "a_1", "activity.logged", "call", True),
        ("ws_a", "a_2", "activity.logged", "note", False),
        ("ws_a", "a_3", "activity.deleted", "note", False),
        ("ws_a", "a_3", "activity.logged", "note", True),
        ("ws_b", "a_1", "activity.logged", "note", False),  # another workspace's a_1
    ]  # fmt: skip
    assert then.rows(BADGES, "workspace_id", "count", where="subject_id = 'c_ann'") == [
        ("ws_a", 1),
        ("ws_b", 1),
    ]
    assert then.rows(BADGES, "workspace_id", "count", where="subject_id = 'c_bob'") == []
