"""A small workspace with a bit of everything, for read-side tests through the bus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronicle_tools.workload import Producer

DANA = ("user", "u_17", "Dana")
SAM = ("user", "u_21", "Sam")
ANN = ("customer", "c_ann", "Ann Lee")
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


def read_side_scenario(ws: str = "ws_read") -> list:
    p = Producer(ws, ws)
    steps = []

    def at(minutes: int) -> datetime:
        return START + timedelta(minutes=minutes)

    def tell(minute, type_, data, actor=DANA, team=None):
        steps.append(p.envelope(type_, data, actor, at(minute), team))

    tell(0, "contact.added", {"contact_id": "c_ann", "name": "Ann Lee", "source": "user"})
    tell(1, "contact.added", {"contact_id": "c_bo", "name": "Bo Chen", "source": "import"})
    tell(2, "contact.added", {"contact_id": "c_cy", "name": "Cy Young", "source": "api"})
    support = {"conversation_id": "conv_s"}
    tell(
        3,
        "conversation.opened",
        {
            **support,
            "channel": "email",
            "inbox_id": "support",
            "contact_id": "c_ann",
            "subject": "Invoice",
        },
        ANN,
        "support",
    )
    tell(
        4,
        "conversation.message_received",
        {**support, "message_id": "m1", "body": "Hi, my invoice is wrong. The invoice total!"},
        ANN,
        "support",
    )
    tell(
        5,
        "conversation.message_sent",
        {
            **support,
            "message_id": "m2",
            "body": "Sorry! I fixed the invoice.",
            "attachments": [{"name": "invoice.pdf", "content_type": "application/pdf"}],
        },
        DANA,
        "support",
    )
    tell(
        6,
        "conversation.message_viewed",
        {
            **support,
            "message_id": "m2",
            "viewer": {"type": "customer", "id": "c_ann"},
            "viewed_at": at(7).isoformat().replace("+00:00", ".250Z"),
        },
        ANN,
        "support",
    )
    tell(
        8,
        "conversation.message_sent",
        {**support, "message_id": "m3", "body": "Anything else?"},
        DANA,
        "support",
    )
    tell(
        9,
        "conversation.delivery_failed",
        {**support, "message_id": "m3", "reason": "blocked"},
        ("system", "mailer", None),
        "support",
    )
    tell(
        10,
        "conversation.attachment_deleted",
        {**support, "message_id": "m2", "attachment_name": "invoice.pdf"},
        DANA,
        "support",
    )
    tell(
        11,
        "conversation.interaction_closed",
        {**support, "queue": "support"},
        ("system", "router", None),
        "support",
    )
    billing = {"conversation_id": "conv_b"}
    tell(
        12,
        "conversation.opened",
        {**billing, "channel": "whatsapp", "contact_id": "c_ann"},
        ANN,
        "billing",
    )
    tell(
        13,
        "conversation.message_received",
        {**billing, "message_id": "b1", "body": "Refund please"},
        ANN,
        "billing",
    )
    tell(
        14,
        "activity.logged",
        {
            "activity_id": "a_call",
            "type": "call",
            "direction": "outbound",
            "source": "manual",
            "summary": "Called about the invoice",
            "contact_id": "c_ann",
            "account_id": "acc_1",
            "account_name": "Acme Corp",
        },
        DANA,
        "support",
    )
    tell(
        15,
        "activity.logged",
        {
            "activity_id": "a_email",
            "type": "email",
            "direction": "outbound",
            "source": "campaign",
            "summary": "Contract draft attached",
            "contact_id": "c_bo",
            "contact_name": "Bo Chen",
            "lead_id": "l_1",
            "lead_name": "Bo's lead",
        },
        SAM,
        "billing",
    )
    tell(
        16,
        "activity.logged",
        {
            "activity_id": "a_note",
            "type": "note",
            "source": "manual",
            "summary": "Prefers phone",
            "contact_id": "c_ann",
        },
        DANA,
    )
    tell(17, "activity.deleted", {"activity_id": "a_note"}, DANA)
    tell(
        18,
        "activity.logged",
        {
            "activity_id": "a_cy",
            "type": "meeting",
            "source": "external",
            "summary": "Met Cy",
            "contact_id": "c_cy",
        },
        SAM,
    )
    tell(19, "contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_cy"]}, DANA)
    tell(
        20,
        "lead.converted",
        {"lead_id": "l_9", "lead_name": "Ann (lead)", "contact_id": "c_ann"},
        DANA,
    )
    tell(21, "contact.updated", {"contact_id": "c_bo", "field": "name", "new": "Bo Chen-Li"}, DANA)
    stranger = {"address": "stranger@example.org", "name": "A Stranger"}
    tell(
        22,
        "email.received",
        {"mailbox_id": "mb_support", "message_id": "<s-1@example.org>", "sender": stranger},
        ("system", "chronicle-poller", None),
        "support",
    )
    return steps
