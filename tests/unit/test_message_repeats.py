"""A message id names one message. Told again, a message is a repeat; a command that
repeats an earlier message but asks for something new (archive, reopen) has that new
effect recorded, and a message told with another's id is refused. Never `accepted` with
the new thing it asked for silently dropped (docs/events.md, "Repeated messages")."""

import pytest

from domain.shared import RuleViolation
from services.ingest.dry_run import Workspace
from services.ingest.registry import ANN, C1, IN, OPEN, OUT, RESOLVED

pytestmark = pytest.mark.unit
REPLY = {**C1, "message_id": "m_3", "body": "Anything else?"}


def names(events):
    return [type(e).__name__ for e in events]


def opened() -> Workspace:
    return Workspace().given(ANN, OPEN, IN, OUT)


def refused(ws: Workspace, type_: str, data: dict) -> RuleViolation:
    with pytest.raises(RuleViolation) as raised:
        ws.tell(type_, data)
    return raised.value


def test_a_received_or_sent_message_told_again_is_a_repeat_and_records_nothing():
    ws = opened()
    assert ws.tell(*IN) == []
    assert ws.tell(*OUT) == []


def test_a_message_told_with_the_id_of_one_of_the_other_direction_is_refused():
    ws = opened()
    taken = refused(ws, "conversation.message_sent", {**C1, "message_id": "m_1", "body": "x"})
    assert (taken.rule, taken.field) == ("conversation.message_id_taken", "data.message_id")
    assert "already in conversation 'conv_1' as a received message" in taken.message
    reply = {**C1, "message_id": "m_1", "body": "x"}
    assert refused(ws, "conversation.replied_and_archived", reply).rule == (
        "conversation.message_id_taken"
    )
    assert refused(ws, "conversation.replied_and_reopened", reply).rule == (
        "conversation.message_id_taken"
    )
    sent = {**C1, "message_id": "m_2", "body": "x"}
    assert refused(ws, "conversation.message_received", sent).rule == (
        "conversation.message_id_taken"
    )


def test_reply_and_archive_repeating_a_reply_still_archives_an_unarchived_conversation():
    ws = opened()
    assert names(ws.tell("conversation.replied_and_archived", REPLY)) == ["RepliedAndArchived"]
    assert ws.tell("conversation.replied_and_archived", REPLY) == []  # archived: nothing new
    ws.tell("conversation.unarchived", C1)
    assert names(ws.tell("conversation.replied_and_archived", REPLY)) == ["Archived"]


def test_reply_and_archive_with_the_id_of_a_plain_sent_message_archives():
    ws = opened()
    assert names(ws.tell("conversation.replied_and_archived", {**OUT[1]})) == ["Archived"]


def test_reply_and_reopen_repeating_a_reply_still_reopens_a_conversation_that_is_not_open():
    """The example of docs/events.md that was answered `accepted` with nothing recorded:
    `replied_and_reopened` reusing the id of the `replied_and_archived` reply."""
    ws = opened()
    ws.tell("conversation.replied_and_archived", REPLY)
    ws.given(RESOLVED)
    assert names(ws.tell("conversation.replied_and_reopened", REPLY)) == ["Reopened"]
    assert ws.tell("conversation.replied_and_reopened", REPLY) == []  # open: nothing new
    ws.tell("conversation.put_on_hold", C1)
    assert names(ws.tell("conversation.replied_and_reopened", REPLY)) == ["Reopened"]


def test_a_merged_in_message_may_be_told_again_in_either_direction():
    """The target of a merge knows the merged messages' ids, not their direction."""
    from services.ingest.registry import OPEN2

    ws = opened().given(OPEN2)
    ws.tell("conversation.merged", {**C1, "into_conversation_id": "conv_2"})
    again = {"conversation_id": "conv_2", "message_id": "m_1", "body": "x"}
    assert ws.tell("conversation.message_sent", again) == []
