"""What the console's browser tests publish: the read-side scenario, more notes (so the
timeline has pages), an email each way, and another workspace using the same ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronicle_tools.workload import Producer
from tests.support.scenario import DANA, START, read_side_scenario

WS, OTHER = "ws_read", "ws_other"
SECRET = "Secret of the other workspace"


def console_scenario() -> list:
    p = Producer(WS, "console")
    steps = read_side_scenario(WS)

    def tell(minute: int, type_: str, data: dict, actor=DANA, team=None):
        steps.append(p.envelope(type_, data, actor, START + timedelta(minutes=minute), team))

    for n in range(12):
        note = {"activity_id": f"a_note_{n}", "type": "note", "source": "manual"}
        tell(30 + n, "activity.logged", {**note, "summary": f"Note {n}", "contact_id": "c_ann"})
    dee = {"contact_id": "c_dee", "name": "Dee Park", "source": "user"}
    tell(50, "contact.added", {**dee, "emails": ["dee@example.com"]})
    draft = {
        "email_id": "em_1",
        "mailbox_id": "mb_dana",
        "owner_user_id": "u_17",
        "team_id": "support",
        "recipients": [{"address": "dee@example.com"}],
        "subject": "Your refund",
        "content": "It is on its way.",
    }
    tell(51, "email.drafted", draft)
    tell(52, "email.queued", {"email_id": "em_1"})
    tell(53, "email.sending_started", {"email_id": "em_1", "attempt": 1})
    tell(54, "email.sent", {"email_id": "em_1", "server_response": "250 Ok"})
    reply = {"address": "dee@example.com", "name": "Dee Park"}
    tell(
        55,
        "email.received",
        {
            "mailbox_id": "mb_dana",
            "message_id": "<dee-1@example.com>",
            "sender": reply,
            "subject": "Re: Your refund",
            "body": "Thanks!",
        },
        ("system", "chronicle-poller", None),
    )
    return steps + other_workspace()


def other_workspace() -> list:
    """Same contact, conversation and activity ids in another workspace: never shown."""
    p = Producer(OTHER, "console-other")
    at = datetime.now(UTC) - timedelta(minutes=30)
    ann = {"contact_id": "c_ann", "name": SECRET, "source": "user"}
    conv = {"conversation_id": "conv_s"}
    note = {"activity_id": "a_call", "type": "call", "source": "manual", "contact_id": "c_ann"}
    return [
        p.envelope("contact.added", ann, DANA, at),
        p.envelope("activity.logged", {**note, "summary": SECRET}, DANA, at),
        p.envelope(
            "conversation.opened",
            {**conv, "channel": "email", "contact_id": "c_ann", "subject": SECRET},
            DANA,
            at,
        ),
        p.envelope(
            "conversation.message_received",
            {**conv, "message_id": "m1", "body": f"invoice {SECRET}"},
            DANA,
            at,
        ),
    ]
