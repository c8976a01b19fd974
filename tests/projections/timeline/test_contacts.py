"""Timeline specs: contact events on the contact's own timeline, and merges."""

import pytest

from domain.contact import Contact
from projections.timeline import Timeline
from projections.timeline.tables import BADGES, CONTACT_MERGES, ENTRIES, MERGED_ENTRIES
from tests.support.projector_specs import START, Given, covers, when_applied

pytestmark = pytest.mark.integration

ANN = {"contact_id": "c_ann", "name": "Ann Lee", "source": "user"}
BO = {"contact_id": "c_bo", "name": "Bo Chen", "source": "import"}


@covers(Contact.Added, Contact.Updated, Contact.Connected)
async def test_given_a_contacts_events_then_each_is_on_its_timeline_but_not_on_its_badge(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", ANN, team="support")
        .tell("contact.updated", {"contact_id": "c_ann", "field": "name", "new": "Ann Kim"})
        .tell("contact.updated", {"contact_id": "c_ann", "field": "custom.shoe_size", "new": "41"})
        .tell("contact.connected", {"contact_id": "c_ann", "channel": "sms", "source": "user"})
        .tell("contact.added", {**ANN, "name": "Another Ann"}, ws="ws_b")
    )
    then = await when_applied(database_url, Timeline, given)
    assert then.rows(ENTRIES, "workspace_id", "subject_id", "type", "category", "team_id") == [
        ("ws_a", "c_ann", "contact.added", "contact", "support"),
        ("ws_a", "c_ann", "contact.connected", "contact", None),
        ("ws_a", "c_ann", "contact.updated", "contact", None),  # the name; not the shoe size
        ("ws_b", "c_ann", "contact.added", "contact", None),
    ]
    assert then.rows(ENTRIES, "summary", where="workspace_id = 'ws_b'") == [
        ("Contact added via user: Another Ann",)
    ]
    assert then.rows(BADGES) == []  # record-keeping, not activities


@covers(Contact.MergedInto)
async def test_given_a_merge_then_the_primary_remembers_the_merged_contact(database_url):
    given = (
        Given()
        .tell("contact.added", ANN)
        .tell("contact.added", BO)
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
        .tell("contact.added", BO, ws="ws_b")
    )
    then = await when_applied(database_url, Timeline, given)
    merged_at = then.row(CONTACT_MERGES, "merged_at")[0]
    assert then.rows(CONTACT_MERGES, "workspace_id", "merged_contact_id", "primary_contact_id") == [
        ("ws_a", "c_bo", "c_ann")
    ]
    assert merged_at > START  # Chronicle's clock, when it was recorded
    assert then.rows(ENTRIES, "subject_id", "type", where="type LIKE 'contact.merged%'") == [
        ("c_ann", "contact.merged_from"),
        ("c_bo", "contact.merged_into"),
    ]


CY = {"contact_id": "c_cy", "name": "Cy Park", "source": "import"}


def call(activity_id: str, contact_id: str) -> dict:
    return {"activity_id": activity_id, "type": "call", "summary": "A call",
            "source": "manual", "contact_id": contact_id}  # fmt: skip


@covers(Contact.MergedInto)
async def test_given_merges_then_the_merged_entries_reach_every_timeline_above_and_its_badge(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", ANN)
        .tell("contact.added", BO)
        .tell("contact.added", CY)
        .tell("activity.logged", call("a_cy", "c_cy"))
        .tell("activity.logged", call("a_bo", "c_bo"))
        .tell("activity.logged", call("a_gone", "c_bo"))
        .tell("contact.merged", {"contact_id": "c_bo", "merged_contact_ids": ["c_cy"]})
        .tell("activity.deleted", {"activity_id": "a_gone"})  # before Bo's merge: not counted
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
        .tell("activity.logged", call("a_late", "c_cy"))  # merged, yet named later
        .tell("activity.deleted", {"activity_id": "a_bo"})  # after: leaves Ann's badge
        # the same ids in another workspace, never merged
        .tell("contact.added", CY, ws="ws_b")
        .tell("activity.logged", call("a_cy", "c_cy"), ws="ws_b")
    )
    then = await when_applied(database_url, Timeline, given)
    reached = then.rows(MERGED_ENTRIES, "workspace_id", "primary_id", "subject_id", "position")
    entries = then.rows(ENTRIES, "workspace_id", "subject_id", "position")
    of = {(ws, s): sorted(p for w, x, p in entries if (w, x) == (ws, s)) for ws, s, _ in entries}
    assert {(w, a, s) for w, a, s, _ in reached} == {
        ("ws_a", "c_bo", "c_cy"), ("ws_a", "c_ann", "c_bo"), ("ws_a", "c_ann", "c_cy"),
    }  # fmt: skip
    for ws, primary, subject in {(w, a, s) for w, a, s, _ in reached}:
        got = sorted(p for w, a, s, p in reached if (w, a, s) == (ws, primary, subject))
        assert got == of[(ws, subject)], (primary, subject)  # each entry, once
    merged_at = dict(then.rows(CONTACT_MERGES, "merged_contact_id", "merged_at"))
    assert {(a, s): since for _, a, s, since in then.rows(
        MERGED_ENTRIES, "workspace_id", "primary_id", "subject_id", "since"
    )} == {
        ("c_bo", "c_cy"): merged_at["c_cy"],
        ("c_ann", "c_bo"): merged_at["c_bo"],
        ("c_ann", "c_cy"): merged_at["c_bo"],  # on Ann's once Bo was merged into her
    }  # fmt: skip
    # a_cy and a_late (Cy's), a_bo deleted, a_gone deleted
    assert then.rows(BADGES, "workspace_id", "subject_id", "count") == [
        ("ws_a", "c_ann", 2),
        ("ws_a", "c_bo", 2),
        ("ws_a", "c_cy", 2),
        ("ws_b", "c_cy", 1),
    ]


@covers(Contact.MergedInto)
async def test_given_a_merged_contacts_only_counted_entry_deleted_then_no_badge_is_left(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", ANN)
        .tell("contact.added", BO)
        .tell("activity.logged", call("a_bo", "c_bo"))
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
        .tell("activity.deleted", {"activity_id": "a_bo"})
    )
    then = await when_applied(database_url, Timeline, given)
    assert then.rows(BADGES) == []  # as a rebuild would have it: no row for nothing
