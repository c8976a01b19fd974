import re

import pytest
from eventsourcing.persistence import StoredEvent

from adapters.keys import Keyring, MemoryKeys
from adapters.mapper import UPCASTERS, MsgspecMapper, register_upcaster
from domain.catalogue import event_classes
from services.ingest.dry_run import example_events
from services.ingest.registry import COMMANDS

pytestmark = pytest.mark.unit


# Recorded by Chronicle's own commands, not from an envelope (services/audit/erasure.py).
NOT_FROM_ENVELOPES = {"contact.erased.v1"}


def events():
    """One of each event type the registry's examples record."""
    return [e for type_ in COMMANDS for e in example_events(type_)]


def mapper_() -> MsgspecMapper:
    return MsgspecMapper(Keyring(MemoryKeys()))


def test_every_event_reads_back_exactly_as_it_was_written():
    mapper = mapper_()
    for event in events():
        assert mapper.to_domain_event(mapper.to_stored_event(event)) == event


def test_the_examples_cover_every_event_type_of_the_catalogue():
    assert {type(e).TOPIC for e in events()} == set(event_classes()) - NOT_FROM_ENVELOPES


def test_stored_events_carry_versioned_wire_names_not_python_paths():
    mapper = mapper_()
    topics = {mapper.to_stored_event(e).topic for e in events()}
    assert topics == set(event_classes()) - NOT_FROM_ENVELOPES
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+\.v\d+", t) for t in topics)


def test_an_upcaster_turns_an_old_shape_into_the_current_one():
    mapper = mapper_()
    (resolved,) = example_events("conversation.resolved")
    stored = mapper.to_stored_event(resolved)
    old_state = stored.state.replace(b',"automatic":true', b',"auto":true')
    old = StoredEvent(
        stored.originator_id, stored.originator_version, "conversation.resolved.v0", old_state
    )

    def v0_to_v1(state):
        state["automatic"] = state.pop("auto")
        return "conversation.resolved.v1", state

    register_upcaster("conversation.resolved.v0", v0_to_v1)
    try:
        assert mapper.to_domain_event(old) == resolved
    finally:
        del UPCASTERS["conversation.resolved.v0"]
