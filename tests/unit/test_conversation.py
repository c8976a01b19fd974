import pytest

from domain.conversation import Conversation, Message
from domain.shared import RuleViolation
from tests.support.domain import ANN, meta, names, replay

pytestmark = pytest.mark.unit


def opened() -> Conversation:
    conversation = Conversation.open(
        meta(actor=ANN), "conv_1", channel="email", contact_id="c_ann", subject="Refund"
    )
    return conversation


def given(*commands) -> Conversation:
    """A conversation rebuilt from the events of `commands`, with nothing pending."""
    conversation = opened()
    for command in commands:
        command(conversation)
    return replay(conversation.collect_events())


def test_opening_records_where_and_with_whom():
    events = opened().collect_events()
    assert names(events) == ["Opened"]
    assert (events[0].channel, events[0].contact_id, events[0].conversation_id) == (
        "email",
        "c_ann",
        "conv_1",
    )
    assert events[0].meta.envelope_id == "e1"


def test_the_id_depends_on_workspace_and_producer_id_only():
    assert Conversation.id_for("ws_a", "conv_1") == Conversation.id_for("ws_a", "conv_1")
    assert Conversation.id_for("ws_a", "conv_1") != Conversation.id_for("ws_b", "conv_1")


def test_a_received_message_is_recorded_once_however_often_it_is_told():
    conversation = given()
    assert conversation.receive_message(meta("e2", ANN), Message("m1", "email", "Hello"))
    assert not conversation.receive_message(meta("e3", ANN), Message("m1", "email", "Hello"))
    events = conversation.collect_events()
    assert names(events) == ["MessageReceived"]
    assert (conversation.message_count, conversation.first_message) == (1, "Hello")


def test_reassigning_records_from_and_to():
    conversation = given(lambda c: c.reassign(meta(), "u_17", "support"))
    conversation.reassign(meta("e2"), "u_21", "sales")
    (event,) = conversation.collect_events()
    assert (event.from_agent_id, event.from_team_id, event.to_agent_id, event.to_team_id) == (
        "u_17",
        "support",
        "u_21",
        "sales",
    )


def test_reassigning_to_the_current_assignee_is_a_no_op():
    conversation = given(lambda c: c.reassign(meta(), "u_17", "support"))
    conversation.reassign(meta("e2"), "u_17", "support")
    assert conversation.collect_events() == []


def test_tags_are_added_and_removed_once():
    conversation = given(lambda c: c.add_tag(meta(), "vip"))
    conversation.add_tag(meta("e2"), "vip")
    conversation.remove_tag(meta("e3"), "vip")
    conversation.remove_tag(meta("e4"), "vip")
    assert names(conversation.collect_events()) == ["TagRemoved"]


def test_resolving_twice_records_one_resolution():
    conversation = given()
    conversation.resolve(meta("e2"), automatic=True)
    conversation.resolve(meta("e3"))
    (event,) = conversation.collect_events()
    assert event.automatic is True
    assert conversation.status == "resolved"


def test_reopening_a_resolved_conversation():
    conversation = given(lambda c: c.resolve(meta()))
    conversation.reopen(meta("e2"))
    assert names(conversation.collect_events()) == ["Reopened"]
    assert conversation.status == "open"


def test_reopening_an_open_conversation_breaks_a_named_rule_and_records_nothing():
    conversation = given()
    with pytest.raises(RuleViolation) as raised:
        conversation.reopen(meta("e2"))
    assert raised.value.rule == "conversation.reopen_requires_resolved"
    assert conversation.collect_events() == []


def test_state_rebuilt_from_events_equals_live_state():
    live = opened()
    live.receive_message(meta("e2", ANN), Message("m1", "email", "Hi"))
    live.reassign(meta("e3"), "u_17", "support")
    live.add_tag(meta("e4"), "billing")
    live.resolve(meta("e5"))
    events = live.collect_events()
    assert replay(events) == live
