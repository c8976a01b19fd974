"""Contacts report specs: the logs, their counts by 15-minute bucket, and each contact's
current name and merge."""

from datetime import timedelta

import pytest

from domain.contact import Contact
from projections.contacts_report import ContactsReport
from projections.contacts_report.tables import CONTACTS, COUNTS, LOGS, USER_COUNTS
from tests.support.projector_specs import SAM, START, Given, covers, when_applied

pytestmark = pytest.mark.integration

BOT = ("system", "importer", None)


def added(contact: str, source: str = "user") -> dict:
    return {"contact_id": contact, "name": contact.title(), "source": source}


@covers(Contact.Added, Contact.Connected, Contact.Deleted, Contact.MergedInto)
async def test_given_contacts_added_connected_deleted_and_merged_then_each_is_logged(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", added("c_ann"), team="support", minutes=1)
        .tell("contact.added", added("c_bo", "import"), actor=BOT, minutes=2)
        .tell(
            "contact.connected",
            {"contact_id": "c_ann", "channel": "sms", "source": "user"},
            minutes=3,
        )
        .tell("contact.deleted", {"contact_id": "c_bo"}, actor=SAM, minutes=20)
        .tell("contact.added", added("c_cy"), minutes=21)
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_cy"]}, minutes=22)
        .tell("contact.added", added("c_ann"), ws="ws_b", minutes=23)
    )
    then = await when_applied(database_url, ContactsReport, given)
    columns = ("workspace_id", "log", "contact_id", "merged_contact_id", "source", "channel")
    assert then.rows(LOGS, *columns, "user_id") == [
        ("ws_a", "added", "c_ann", None, "user", None, "u_17"),
        ("ws_a", "added", "c_bo", None, "import", None, None),  # not by a user
        ("ws_a", "added", "c_cy", None, "user", None, "u_17"),
        ("ws_a", "connected", "c_ann", None, "user", "sms", "u_17"),
        ("ws_a", "deleted", "c_bo", None, "user", None, "u_21"),
        ("ws_a", "merged", "c_ann", "c_cy", "user", None, "u_17"),  # names the primary
        ("ws_b", "added", "c_ann", None, "user", None, "u_17"),
    ]  # fmt: skip
    early, late = START, START + timedelta(minutes=15)
    assert then.rows(COUNTS, "workspace_id", "metric", "bucket", "source", "team_id", "count") == [
        ("ws_a", "added", early, "import", None, 1),
        ("ws_a", "added", early, "user", "support", 1),
        ("ws_a", "added", late, "user", None, 1),
        ("ws_a", "connected", early, "user", None, 1),
        ("ws_a", "deleted", late, "user", None, 1),
        ("ws_a", "merged", late, "user", None, 1),
        ("ws_b", "added", late, "user", None, 1),
    ]
    assert then.rows(USER_COUNTS, "user_id", "metric", "count", where="workspace_id = 'ws_a'") == [
        ("u_17", "added", 1),
        ("u_17", "added", 1),  # two buckets
        ("u_17", "connected", 1),
        ("u_17", "merged", 1),
        ("u_21", "deleted", 1),
    ]


@covers(Contact.Added, Contact.Updated, Contact.MergedInto)
async def test_given_contacts_renamed_and_merged_then_their_names_and_merges_are_current(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", {"contact_id": "c_ann", "name": "Ann", "source": "user"})
        .tell("contact.added", {"contact_id": "c_bo", "source": "user"})
        .tell("contact.updated", {"contact_id": "c_ann", "field": "name", "new": "Ann Kim"})
        .tell("contact.updated", {"contact_id": "c_bo", "field": "company", "new": "Acme"})
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
        .tell("contact.added", {"contact_id": "c_ann", "name": "Ann", "source": "user"}, ws="ws_b")
    )
    then = await when_applied(database_url, ContactsReport, given)
    assert then.rows(CONTACTS) == [
        ("ws_a", "c_ann", "Ann Kim", None),
        ("ws_a", "c_bo", None, "c_ann"),
        ("ws_b", "c_ann", "Ann", None),
    ]
