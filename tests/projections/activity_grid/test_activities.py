"""Activity grid specs: logged activities, their contact names kept current, deletions."""

import pytest

from domain.activity import Activity
from domain.contact import Contact
from projections.activity_grid import ActivityGrid
from projections.activity_grid.tables import ACTIVITIES, CONTACTS
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
    "account_id": "acc_1",
    "account_name": "Acme",
}
NOTE = {"activity_id": "a_2", "type": "note", "contact_id": "c_ann"}


@covers(Activity.Logged, Activity.TicketCreated, Activity.WidgetChatStarted)
async def test_given_activities_logged_then_each_is_a_row_with_the_contacts_name(database_url):
    given = (
        Given()
        .tell("contact.added", ANN)
        .tell("activity.logged", {**CALL, "contact_name": "Ann (as the caller said)"}, team="t1")
        .tell("activity.logged", NOTE)
        .tell("activity.ticket_created", {"ticket_id": "T-9", "contact_id": "c_ann"})
        .tell(
            "activity.widget_chat_started",
            {"chat_id": "w_5", "contact_id": "c_vi", "visitor_name": "Vi"},
        )
        .tell("activity.logged", NOTE, ws="ws_b")
    )
    then = await when_applied(database_url, ActivityGrid, given)
    assert then.rows(
        ACTIVITIES, "workspace_id", "type", "contact_name", "account_name", "source", "team_id"
    ) == [
        ("ws_a", "call", "Ann (as the caller said)", "Acme", "manual", "t1"),
        ("ws_a", "chat", "Vi", None, "interaction", None),
        ("ws_a", "note", "Ann Lee", None, "manual", None),  # the contact's name
        ("ws_a", "ticket", "Ann Lee", None, "interaction", None),
        ("ws_b", "note", None, None, "manual", None),  # ws_b has no such contact
    ]  # fmt: skip


@covers(Contact.Added, Contact.Updated)
async def test_given_a_renamed_contact_then_its_rows_show_the_new_name(database_url):
    given = (
        Given()
        .tell("contact.added", ANN)
        .tell("activity.logged", NOTE)
        .tell("activity.logged", {**NOTE, "activity_id": "a_3"})
        .tell("activity.deleted", {"activity_id": "a_3"})
        .tell("contact.updated", {"contact_id": "c_ann", "field": "name", "new": "Ann Kim"})
        .tell("contact.updated", {"contact_id": "c_ann", "field": "company", "new": "Acme"})
        .tell("contact.added", ANN, ws="ws_b")
    )
    then = await when_applied(database_url, ActivityGrid, given)
    assert then.rows(ACTIVITIES, "activity_id", "contact_name", "deleted", "changed_position") == [
        ("a_2", "Ann Kim", False, 5),  # changed by the rename at position 5
        ("a_3", "Ann Lee", True, 4),  # deleted rows keep the name they had
    ]
    assert then.rows(CONTACTS) == [("ws_a", "c_ann", "Ann Kim"), ("ws_b", "c_ann", "Ann Lee")]


@covers(Activity.Deleted)
async def test_given_a_deleted_activity_then_its_row_is_marked_deleted(database_url):
    given = (
        Given()
        .tell("activity.logged", NOTE)
        .tell("activity.logged", NOTE, ws="ws_b")
        .tell("activity.deleted", {"activity_id": "a_2"})
    )
    then = await when_applied(database_url, ActivityGrid, given)
    assert then.rows(ACTIVITIES, "workspace_id", "deleted", "changed_position") == [
        ("ws_a", True, 3),
        ("ws_b", False, None),
    ]


async def test_given_stored_rows_renamed_deleted_and_renamed_in_one_batch_then_in_log_order(
    database_url,
):
    def renamed(name: str) -> dict:
        return {"contact_id": "c_ann", "field": "name", "new": name}

    given = (  # by threes (when_applied): the rows are stored, then changed by one batch
        Given()
        .tell("contact.added", ANN)
        .tell("activity.logged", NOTE)
        .tell("activity.logged", {**NOTE, "activity_id": "a_3"})
        .tell("contact.updated", renamed("Ann Kim"))
        .tell("activity.deleted", {"activity_id": "a_3"})
        .tell("contact.updated", renamed("Ann Ray"))
    )
    then = await when_applied(database_url, ActivityGrid, given)
    assert then.rows(ACTIVITIES, "activity_id", "contact_name", "deleted", "changed_position") == [
        ("a_2", "Ann Ray", False, 6),
        ("a_3", "Ann Kim", True, 5),  # renamed once before its deletion
    ]
