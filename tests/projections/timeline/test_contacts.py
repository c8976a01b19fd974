"""Timeline specs: contact events on the contact's own timeline, and merges."""

import pytest

from domain.contact import Contact
from projections.timeline import Timeline
from projections.timeline.tables import BADGES, CONTACT_MERGES, ENTRIES
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
