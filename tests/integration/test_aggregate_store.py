"""The `AggregateStore` contract (adapters/eventstore/port.py), held by the PostgreSQL
store and by its in-memory test double alike: what the unit tests learn through the
double holds for the real store."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError

from adapters.eventstore import AggregateStore, EventStore
from adapters.eventstore.fake import MemoryStore
from domain.contact import Contact
from domain.conversation import Conversation
from domain.email_values import address_key
from tests.support.domain import meta

pytestmark = pytest.mark.integration


@pytest.fixture(params=["postgres", "memory"])
def aggregates(request):
    if request.param == "memory":
        yield MemoryStore()
        return
    with EventStore(request.getfixturevalue("database_url"), pool_size=1) as store:
        yield store


def opened(external_id: str = "conv_1", workspace_id: str = "ws_acme") -> Conversation:
    return Conversation.open(meta(workspace_id=workspace_id), external_id, channel="sms")


def test_both_stores_are_aggregate_stores(aggregates):
    assert isinstance(aggregates, AggregateStore)


def test_saved_events_load_back_with_increasing_positions(aggregates):
    conversation = opened()
    conversation.add_tag(meta("e2"), "vip")
    recordings = aggregates.save_events(conversation.collect_events())
    positions = [r.notification.id for r in recordings]
    assert len(positions) == 2 and positions[0] < positions[1]
    more = aggregates.save_events(opened("conv_2").collect_events())
    assert more[0].notification.id > positions[1]
    loaded = aggregates.load_many([conversation.id])
    assert loaded == {conversation.id: conversation}
    assert loaded[conversation.id].tags == conversation.tags


def test_catch_up_applies_only_what_is_newer_and_leaves_out_the_unknown(aggregates):
    conversation = opened()
    aggregates.save_events(conversation.collect_events())
    stale = aggregates.load_many([conversation.id])[conversation.id]
    conversation.add_tag(meta("e2"), "vip")
    aggregates.save_events(conversation.collect_events())
    never = opened("conv_never").id
    current = aggregates.catch_up({conversation.id: stale, never: None})
    assert set(current) == {conversation.id}
    assert current[conversation.id].version == conversation.version == 2
    assert current[conversation.id].tags == conversation.tags


def test_a_taken_version_stores_nothing_of_the_batch(aggregates):
    first, other = opened(), opened("conv_2")
    aggregates.save_events(first.collect_events())
    again = opened()  # the same aggregate created a second time: version 1 is taken
    with pytest.raises(IntegrityError):
        aggregates.save_events([*other.collect_events(), *again.collect_events()])
    assert aggregates.load_many([first.id, other.id]) == {first.id: first}


def test_contacts_are_found_by_any_address_they_have_had_in_their_workspace(aggregates):
    ann = Contact.add(meta(), "c_ann", source="user", emails=("Ann@Example.com",))
    elsewhere = Contact.add(
        meta(workspace_id="ws_other"), "c_x", source="user", emails=("ann@example.com",)
    )
    aggregates.save_events([*ann.collect_events(), *elsewhere.collect_events()])
    ann = aggregates.load_many([ann.id])[ann.id]
    ann.update(meta("e2"), "emails", ("ann@new.example",))
    aggregates.save_events(ann.collect_events())
    wanted = [address_key("ann@example.com"), address_key("ann@new.example"), "nobody@x.org"]
    assert aggregates.contacts_with_addresses("ws_acme", wanted) == {
        address_key("ann@example.com"): ["c_ann"],
        address_key("ann@new.example"): ["c_ann"],
    }
