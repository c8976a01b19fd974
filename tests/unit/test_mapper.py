import pytest
from eventsourcing.persistence import StoredEvent

from adapters.mapper import UPCASTERS, MsgspecMapper, register_upcaster
from domain.conversation import Attachment, Conversation
from tests.support.domain import ANN, meta

pytestmark = pytest.mark.unit


def events():
    conversation = Conversation.open(
        meta(actor=ANN), "conv_1", channel="email", contact_id="c_ann", subject="Refund"
    )
    conversation.receive_message(
        meta("e2", ANN), "m1", "Hello", attachments=(Attachment("a.pdf", "application/pdf", 10),)
    )
    conversation.reassign(meta("e3", team_id="support"), "u_17", "support")
    conversation.resolve(meta("e4"), automatic=True)
    return conversation.collect_events()


def test_every_event_reads_back_exactly_as_it_was_written():
    mapper = MsgspecMapper()
    for event in events():
        assert mapper.to_domain_event(mapper.to_stored_event(event)) == event


def test_stored_events_carry_versioned_wire_names_not_python_paths():
    mapper = MsgspecMapper()
    topics = [mapper.to_stored_event(e).topic for e in events()]
    assert topics == [
        "conversation.opened.v1",
        "conversation.message_received.v1",
        "conversation.reassigned.v1",
        "conversation.resolved.v1",
    ]
    assert all("domain" not in t and ":" not in t for t in topics)


def test_an_upcaster_turns_an_old_shape_into_the_current_one():
    mapper = MsgspecMapper()
    resolved = events()[-1]
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
