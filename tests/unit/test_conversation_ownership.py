"""Who owns a conversation after each event: one rule (domain/conversation/ownership.py),
followed by the aggregate and by every read model."""

from types import SimpleNamespace

import pytest

from domain.conversation import Conversation, Message
from domain.conversation.ownership import NOBODY, Owner, owner_after, team_after
from tests.support.domain import ANN, meta

pytestmark = pytest.mark.unit


def story(*commands) -> tuple[Conversation, list]:
    """A conversation opened in team `bots`, then `commands`; its events."""
    conversation = Conversation.open(
        meta(actor=ANN, team_id="bots"), "conv_1", channel="chat", contact_id="c_ann"
    )
    for command in commands:
        command(conversation)
    return conversation, conversation.collect_events()


def followed(events) -> Owner:
    owner = NOBODY
    for event in events:
        owner = owner_after(event, owner)
    return owner


def test_a_conversation_is_opened_owned_by_its_team_and_no_agent():
    conversation, events = story()
    assert followed(events) == Owner("bots", None)
    assert (conversation.team_id, conversation.assignee_id) == ("bots", None)


def test_a_reassignment_gives_it_to_the_team_and_agent_it_names_even_none():
    conversation, events = story(
        lambda c: c.reassign(meta("e2"), "u_17", "support"),
        lambda c: c.reassign(meta("e3"), None, "billing"),
    )
    assert followed(events) == Owner("billing", None)
    assert (conversation.team_id, conversation.assignee_id) == ("billing", None)


def test_a_chatbot_handover_keeps_the_team_or_agent_it_does_not_name():
    conversation, events = story(
        lambda c: c.reassign(meta("e2"), "u_17", "support"),
        lambda c: c.chatbot_hand_over(meta("e3"), "bot_1", None, "billing"),
        lambda c: c.chatbot_hand_over(meta("e4"), "bot_1", "u_21", None),
    )
    assert [followed(events[: n + 1]) for n in range(2, 4)] == [
        Owner("billing", "u_17"),
        Owner("billing", "u_21"),
    ]
    assert (conversation.team_id, conversation.assignee_id) == ("billing", "u_21")


def test_no_other_event_changes_the_owner():
    _, events = story(
        lambda c: c.reassign(meta("e2"), "u_17", "support"),
        lambda c: c.receive_message(meta("e3", ANN), Message("m1", "chat", "Hi")),
        lambda c: c.resolve(meta("e4")),
    )
    assert followed(events) == Owner("support", "u_17") == followed(events[:2])
    assert team_after(events[-1], "support") == "support"


def test_a_stored_copy_of_the_fields_reads_as_the_event_does():
    _, events = story(lambda c: c.chatbot_hand_over(meta("e2"), "bot_1", None, "billing"))
    fields = SimpleNamespace(to_team_id="billing", to_agent_id=None)
    before = Owner("bots", "u_9")
    assert owner_after(fields, before, type(events[-1])) == owner_after(events[-1], before)
