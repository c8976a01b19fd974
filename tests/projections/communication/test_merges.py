"""Communication specs: a contact's counts hold those of every contact merged into it,
however indirectly, before and after the merge (projections/communication/merges.py).
Each story is applied in one batch and event by event, with the same rows."""

import pytest

from domain.contact import Contact
from projections.communication import Communication
from projections.communication.tables import (
    MERGES,
    RESPONSE_DAYS,
    RESPONSES,
    VOLUME,
    VOLUME_DAYS,
)
from tests.support.days import assert_days_are_the_buckets_cut
from tests.support.projector_specs import ANN, Given, covers, when_applied

pytestmark = pytest.mark.integration


def added(contact: str) -> dict:
    return {"contact_id": contact, "name": contact, "source": "user"}


def opened(conversation: str, contact: str) -> dict:
    return {"conversation_id": conversation, "channel": "sms", "contact_id": contact}


def received(conversation: str, n: int) -> dict:
    return {"conversation_id": conversation, "message_id": f"m_{n}", "body": f"Message {n}"}


def inbound(then, ws: str = "ws_a") -> dict[str, int]:
    """Inbound messages per contact, over every team and bucket."""
    found: dict[str, int] = {}
    for contact, n in then.rows(
        VOLUME,
        "subject_id",
        "count",
        where=f"workspace_id = '{ws}' AND subject_type = 'contact' AND kind = 'message'",
    ):
        found[contact] = found.get(contact, 0) + n
    return found


@covers(Contact.MergedInto)
async def test_given_a_chain_of_merges_then_each_contact_counts_everything_below_it(
    database_url,
):
    given = Given()
    for contact in ("c_ann", "c_bo", "c_cy"):
        given.tell("contact.added", added(contact))
    (
        given.tell("conversation.opened", opened("conv_bo", "c_bo"), actor=ANN, team="red")
        .tell("conversation.message_received", received("conv_bo", 1), actor=ANN)
        .tell("conversation.opened", opened("conv_cy", "c_cy"), actor=ANN)
        .tell("conversation.message_received", received("conv_cy", 2), actor=ANN)
        .tell("contact.merged", {"contact_id": "c_bo", "merged_contact_ids": ["c_cy"]})
        .tell("conversation.message_received", received("conv_cy", 3), actor=ANN)  # after
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
        .tell("conversation.message_received", received("conv_cy", 4), actor=ANN)
        .tell("conversation.message_received", received("conv_bo", 5), actor=ANN)
        # the same ids in another workspace, never merged
        .tell("conversation.opened", opened("conv_cy", "c_cy"), ws="ws_b", actor=ANN)
        .tell("conversation.message_received", received("conv_cy", 6), ws="ws_b", actor=ANN)
    )
    then = await when_applied(database_url, Communication, given)
    assert then.rows(MERGES) == [
        ("ws_a", "c_ann", "c_bo"),
        ("ws_a", "c_ann", "c_cy"),
        ("ws_a", "c_bo", "c_cy"),
    ]
    assert inbound(then) == {"c_ann": 5, "c_bo": 5, "c_cy": 3}
    assert inbound(then, "ws_b") == {"c_cy": 1}
    assert then.rows(  # each team's share under each contact above
        VOLUME,
        "subject_id",
        "team_id",
        "count",
        where="subject_type = 'contact' AND kind = 'message' AND team_id = 'red'",
    ) == [("c_ann", "red", 2), ("c_bo", "red", 2)]
    assert then.rows(
        VOLUME, "subject_id", "count", where="subject_type = 'team' AND kind = 'message'"
    ) == [("red", 2)]  # a team's count is not spread
    for rollup in (VOLUME_DAYS, RESPONSE_DAYS):
        assert_days_are_the_buckets_cut(database_url, then.model.schema, rollup)


async def test_given_a_merged_contacts_activity_deleted_then_it_is_taken_off_above(database_url):
    call = {"activity_id": "a_1", "type": "call", "direction": "outbound", "contact_id": "c_bo"}
    given = (
        Given()
        .tell("contact.added", added("c_ann"))
        .tell("contact.added", added("c_bo"))
        .tell("activity.logged", call)
        .tell("activity.logged", {**call, "activity_id": "a_2"})
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
        .tell("activity.deleted", {"activity_id": "a_1"})
    )
    then = await when_applied(database_url, Communication, given)
    assert then.rows(
        VOLUME, "subject_id", "count", where="subject_type = 'contact' AND kind = 'activity'"
    ) == [("c_ann", 1), ("c_bo", 1)]


async def test_given_a_merged_contacts_replies_then_their_times_count_above(database_url):
    given = (
        Given()
        .tell("contact.added", added("c_ann"))
        .tell("contact.added", added("c_bo"))
        .tell("conversation.opened", opened("conv_bo", "c_bo"), minutes=0)
        .tell("conversation.message_received", received("conv_bo", 1), actor=ANN, minutes=1)
        .tell("conversation.message_sent", received("conv_bo", 2), minutes=3)  # 2 min
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
        .tell("conversation.message_received", received("conv_bo", 3), actor=ANN, minutes=4)
        .tell("conversation.message_sent", received("conv_bo", 4), minutes=4)  # at once
    )
    then = await when_applied(database_url, Communication, given)
    assert then.rows(
        RESPONSES, "subject_id", "kind", "bin", "count", "total_ms", where="kind = 'reply'"
    ) == [
        ("c_ann", "reply", 0, 1, 0),
        ("c_ann", "reply", 1, 1, 120_000),
        ("c_bo", "reply", 0, 1, 0),
        ("c_bo", "reply", 1, 1, 120_000),
    ]
