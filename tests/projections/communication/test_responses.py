"""Communication specs: first-response and reply times, as counts, sums and bins."""

import pytest

from domain.conversation import Conversation as C
from projections.communication import Communication
from projections.communication.tables import RESPONSES
from tests.support.projector_specs import ANN, Given, covers, when_applied

pytestmark = pytest.mark.integration

CONV = {"conversation_id": "conv_1"}


def message(n: int, **more) -> dict:
    return {**CONV, "message_id": f"m_{n}", "body": f"Message {n}", **more}


@covers(C.MessageSent, C.RepliedAndArchived, C.RepliedAndReopened)
async def test_given_replies_then_each_answers_the_earliest_unanswered_message(database_url):
    given = (
        Given()
        .tell("conversation.opened", {**CONV, "channel": "sms", "contact_id": "c_ann"}, minutes=0)
        .tell("conversation.message_received", message(1), actor=ANN, minutes=1)
        .tell("conversation.message_received", message(2), actor=ANN, minutes=3)
        .tell("conversation.message_sent", message(3), minutes=11)  # 10 min after m_1
        .tell("conversation.message_sent", message(4, source="broadcast"), minutes=12)
        .tell("conversation.message_received", message(5), actor=ANN, minutes=20)
        .tell("conversation.replied_and_archived", message(6), minutes=20)  # at once
        .tell("conversation.resolved", CONV, minutes=21)
        .tell("conversation.message_received", message(7), actor=ANN, minutes=30)
        .tell("conversation.replied_and_reopened", message(8), minutes=32)
    )
    then = await when_applied(database_url, Communication, given)
    assert then.rows(
        RESPONSES, "kind", "bin", "count", "total_ms", where="subject_type = 'contact'"
    ) == [
        ("first_response", 2, 1, 600_000),  # 5-15 minutes
        ("reply", 0, 1, 0),
        ("reply", 1, 1, 120_000),
        ("reply", 2, 1, 600_000),
    ]
