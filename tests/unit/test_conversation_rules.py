"""Conversation rules, through the real handlers on an in-memory store."""

import pytest

from domain.shared import RuleViolation
from services.ingest.dry_run import Workspace
from services.ingest.registry import ANN, C1, IN, OPEN, OPEN2, OUT, RESOLVED

pytestmark = pytest.mark.unit


def names(events):
    return [type(e).__name__ for e in events]


def opened() -> Workspace:
    return Workspace().given(ANN, OPEN)


def rule_broken(workspace: Workspace, type_: str, data: dict) -> str:
    with pytest.raises(RuleViolation) as raised:
        workspace.tell(type_, data)
    return raised.value.rule


def test_reopen_requires_a_resolved_conversation_but_repeating_a_reopen_is_harmless():
    ws = opened()
    assert rule_broken(ws, "conversation.reopened", C1) == "conversation.reopen_requires_resolved"
    ws.given(RESOLVED)
    assert names(ws.tell("conversation.reopened", C1)) == ["Reopened"]
    assert ws.tell("conversation.reopened", C1) == []


def test_unpinning_a_note_never_pinned_breaks_a_rule_unpinning_twice_does_not():
    ws = opened()
    assert rule_broken(ws, "conversation.note_unpinned", {**C1, "note_id": "n_1"}) == (
        "conversation.unpin_requires_pinned"
    )
    ws.tell("conversation.note_pinned", {**C1, "note_id": "n_1"})
    assert names(ws.tell("conversation.note_unpinned", {**C1, "note_id": "n_1"})) == [
        "NoteUnpinned"
    ]
    assert ws.tell("conversation.note_unpinned", {**C1, "note_id": "n_1"}) == []


def test_unarchive_and_unmark_spam_need_the_state_they_undo():
    ws = opened()
    assert rule_broken(ws, "conversation.unarchived", C1) == (
        "conversation.unarchive_requires_archived"
    )
    assert rule_broken(ws, "conversation.unmarked_spam", C1) == (
        "conversation.unmark_requires_spam"
    )


def test_merging_records_where_it_went_and_what_the_target_received():
    ws = opened().given(IN, OPEN2)
    events = ws.tell("conversation.merged", {**C1, "into_conversation_id": "conv_2"})
    assert names(events) == ["MergedInto", "MergedFrom"]
    assert events[0].into_conversation_id == "conv_2"
    assert (events[1].conversation_id, events[1].message_ids) == ("conv_2", ("m_1",))


def test_a_merged_away_conversation_takes_no_more_changes():
    ws = opened().given(OPEN2, ("conversation.merged", {**C1, "into_conversation_id": "conv_2"}))
    assert rule_broken(ws, "conversation.tag_added", {**C1, "tag": "x"}) == (
        "conversation.merged_away"
    )
    assert ws.tell("conversation.merged", {**C1, "into_conversation_id": "conv_2"}) == []


def test_a_conversation_cannot_be_merged_into_itself():
    assert (
        rule_broken(opened(), "conversation.merged", {**C1, "into_conversation_id": "conv_1"})
        == "conversation.merge_into_self"
    )


def test_a_message_is_recorded_once_and_views_need_a_known_message():
    ws = opened().given(OUT)
    assert ws.tell(*OUT) == []
    viewed = {
        **C1,
        "message_id": "m_9",
        "viewer": {"type": "teammate", "id": "u_21"},
        "viewed_at": "2026-11-20T09:30:00.123Z",
    }
    assert rule_broken(ws, "conversation.message_viewed", viewed) == (
        "conversation.unknown_message"
    )
    first = ws.tell("conversation.message_viewed", {**viewed, "message_id": "m_2"})
    again = ws.tell("conversation.message_viewed", {**viewed, "message_id": "m_2"})
    assert first[0].viewed_at.microsecond == 123000
    assert again == []


def test_reminders_trigger_only_once_and_only_when_added():
    ws = opened()
    assert rule_broken(ws, "conversation.reminder_triggered", {**C1, "reminder_id": "r"}) == (
        "conversation.unknown_reminder"
    )
    ws.tell("conversation.reminder_added", {**C1, "reminder_id": "r"})
    assert names(ws.tell("conversation.reminder_triggered", {**C1, "reminder_id": "r"})) == [
        "ReminderTriggered"
    ]
    assert ws.tell("conversation.reminder_triggered", {**C1, "reminder_id": "r"}) == []


def test_a_new_message_connects_the_contact_on_its_channel_once():
    ws = opened()
    events = ws.tell(*IN)
    assert names(events) == ["MessageReceived", "Connected"]
    assert (events[1].channel, events[1].source, events[1].derived) == (
        "email",
        "incoming_message",
        True,
    )
    assert names(ws.tell(*OUT)) == ["MessageSent"]  # already connected on email


def test_interaction_closed_takes_what_it_omits_from_the_conversation():
    ws = opened().given(IN, OUT)
    (closed,) = ws.tell("conversation.interaction_closed", {**C1})
    assert (closed.queue, closed.channel, closed.message_count, closed.first_message) == (
        "support",
        "email",
        2,
        IN[1]["body"],
    )


def test_the_subject_edit_keeps_old_and_new():
    (edited,) = opened().tell("conversation.subject_edited", {**C1, "subject": "Refund"})
    assert (edited.old_subject, edited.new_subject) == ("Charged twice", "Refund")
