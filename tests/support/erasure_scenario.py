"""A contact whose personal data reaches every read model, to be erased; and what of it
must never be readable again (`ZED_SECRETS`) or must stay (`OTHERS_KEPT`).

Zed Quill (`c_zed`) has: a rename and changed phones and addresses, two contacts merged
into him (one a website visitor), a converted lead, conversations with every
personal-data event (a message with an attachment, notes, reminders, views, failures,
bounces, a subject edit, an interaction closed), one of them merged into Bo's
conversation, activities (a call naming his lead, a ticket, a widget chat), emails from
him (one from an address he no longer has: an unknown sender), emails to him and to Bob
Other (whose address must stay), and a rejected envelope about him.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chronicle_tools.workload import Producer, demo_workload

WS = "ws_erase"
DANA = ("user", "u_17", "Dana")
ZED = ("customer", "c_zed", "Zed Quill")
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
ZED_SECRETS = (
    "Zed Quill",
    "Quill-Moss",
    "zed.quill@example.com",
    "zed.alt@example.com",
    "zq.old@example.com",
    "visitor.quill@example.com",
    "+44 7700 900431",
    "+44 7700 900432",
    "zedquill_ig",
    "quill-passport.pdf",
    "files.example/quill",
    "card ending 4111",
    "refunded, Mr Quill",
    "VIP: Quill",
    "call Quill back",
    "Quill number blocked",
    "Quill mailbox full",
    "Quill refund question",
    "Quill double charge",
    "Zed lead Quill",
    "Called Quill",
    "Quill ticket",
    "Quill Visitor",
    "quill chat hello",
    "Quill invoice",
    "invoice text of Quill",
    "quill-invoice.pdf",
    "from my old Quill address",
    "Dear Quill",
    "queued for Quill",
    "Zed Q. old",
)
OTHERS_KEPT = ("Bob Other", "bob.other@example.com", "Bo Chen", "Ann Lee")


def erasure_scenario(ws: str = WS) -> list:
    """Messages in producer order: the demo workload of eight contacts, then Zed's story
    (in `ws`: another workspace gets the same ids and envelope ids)."""
    messages = demo_workload(7, ws, "demo", START)
    p = Producer(ws, "zed")
    at = iter(START + timedelta(minutes=10 * n) for n in range(10_000))

    def tell(type_, data, actor=DANA, team=None):
        messages.append(p.envelope(type_, data, actor, next(at), team))

    zed = {"contact_id": "c_zed"}
    tell(
        "contact.added",
        {
            **zed,
            "name": "Zed Quill",
            "emails": ["Zed.Quill@example.com"],
            "phones": ["+44 7700 900431"],
            "handles": [{"channel": "instagram", "handle": "zedquill_ig"}],
            "source": "user",
        },
    )
    tell("contact.updated", {**zed, "field": "name", "new": "Zed Quill-Moss"})
    tell("contact.updated", {**zed, "field": "phones", "new": ["+44 7700 900432"]})
    both = ["zed.quill@example.com", "zed.alt@example.com"]
    tell("contact.updated", {**zed, "field": "emails", "new": both})
    tell("contact.updated", {**zed, "field": "emails", "new": ["zed.quill@example.com"]})
    tell(
        "contact.added",
        {
            "contact_id": "c_zq_old",
            "name": "Zed Q. old",
            "emails": ["zq.old@example.com"],
            "source": "import",
        },
    )
    tell(
        "activity.widget_chat_started",
        {
            "chat_id": "w_zq",
            "contact_id": "c_zq_visitor",
            "visitor_name": "Quill Visitor",
            "visitor_email": "visitor.quill@example.com",
            "first_message": "quill chat hello",
        },
        ("customer", "c_zq_visitor", "Quill Visitor"),
    )
    tell("contact.merged", {**zed, "merged_contact_ids": ["c_zq_old", "c_zq_visitor"]})
    tell("lead.converted", {"lead_id": "l_zq", "lead_name": "Zed lead Quill", **zed})
    _conversations(tell)
    tell(
        "activity.logged",
        {
            "activity_id": "a_zq_call",
            "type": "call",
            "summary": "Called Quill about the refund",
            "direction": "outbound",
            **zed,
            "contact_name": "Zed Quill",
            "lead_id": "l_zq",
            "lead_name": "Zed lead Quill",
            "first_message": "quill chat hello again",
        },
    )
    tell("activity.ticket_created", {"ticket_id": "T-zq", **zed, "subject": "Quill ticket"})
    _emails(tell)
    return messages


def _conversations(tell) -> None:
    conv = {"conversation_id": "conv_zq"}
    tell(
        "conversation.opened",
        {**conv, "channel": "email", "contact_id": "c_zed", "subject": "Quill refund question"},
        ZED,
        "support",
    )
    attachment = {
        "name": "quill-passport.pdf",
        "content_type": "application/pdf",
        "url": "https://files.example/quill/passport.pdf",
    }
    tell(
        "conversation.message_received",
        {
            **conv,
            "message_id": "zq_m1",
            "body": "Charged twice, card ending 4111",
            "attachments": [attachment],
        },
        ZED,
    )
    tell("conversation.reassigned", {**conv, "to_agent_id": "u_21", "to_team_id": "billing"})
    tell(
        "conversation.message_sent",
        {**conv, "message_id": "zq_m2", "body": "Done: refunded, Mr Quill"},
    )
    tell(
        "conversation.note_pinned", {**conv, "note_id": "zq_n1", "text": "VIP: Quill pays on time"}
    )
    tell("conversation.subject_edited", {**conv, "subject": "Quill double charge"})
    tell(
        "conversation.reminder_added",
        {
            **conv,
            "reminder_id": "zq_r1",
            "due_at": "2026-11-21T09:00:00Z",
            "note": "call Quill back",
        },
    )
    tell(
        "conversation.message_viewed",
        {
            **conv,
            "message_id": "zq_m2",
            "viewer": {"type": "customer", "id": "c_zed", "name": "Zed Quill"},
            "viewed_at": "2026-11-20T09:17:42.250Z",
        },
        ZED,
    )
    tell(
        "conversation.attachment_deleted",
        {**conv, "message_id": "zq_m1", "attachment_name": "quill-passport.pdf"},
    )
    tell(
        "conversation.delivery_failed",
        {**conv, "message_id": "zq_m2", "reason": "Quill number blocked"},
    )
    tell(
        "conversation.bounce_detected",
        {
            **conv,
            "message_id": "zq_m2",
            "recipient": "zed.quill@example.com",
            "reason": "Quill mailbox full",
        },
    )
    tell("conversation.interaction_closed", {**conv, "queue": "support"})
    # A second conversation of Zed's, merged into one of Bo's: its copies must go too.
    other = {"conversation_id": "conv_zq2"}
    tell("conversation.opened", {**other, "channel": "sms", "contact_id": "c_zed"}, ZED)
    tell(
        "conversation.message_received",
        {**other, "message_id": "zq2_m1", "body": "Charged twice again, card ending 4111"},
        ZED,
    )
    tell("conversation.merged", {**other, "into_conversation_id": "conv_1010"})


def _emails(tell) -> None:
    tell(
        "email.received",
        {
            "mailbox_id": "mb_support",
            "message_id": "<zq-1@example.com>",
            "sender": {"address": "ZED.QUILL@example.com", "name": "Zed Quill"},
            "to": [{"address": "support@acme.test"}],
            "subject": "Quill invoice",
            "body": "The invoice text of Quill",
            "attachments": [
                {"name": "quill-invoice.pdf", "content_type": "application/pdf", "size": 9}
            ],
        },
        ZED,
    )
    tell(
        "email.received",
        {
            "mailbox_id": "mb_support",
            "message_id": "<zq-2@example.com>",
            "sender": {"address": "zed.alt@example.com"},
            "to": [{"address": "support@acme.test"}],
            "subject": "from my old Quill address",
            "body": "hello",
        },
        ("system", "poller", None),
    )
    recipients = [
        {"address": "zed.quill@example.com", "name": "Zed Quill"},
        {"address": "bob.other@example.com", "name": "Bob Other"},
    ]
    draft = {
        "mailbox_id": "mb_dana",
        "owner_user_id": "u_17",
        "team_id": "support",
        "from_address": "dana@acme.test",
        "recipients": recipients,
        "subject": "Your refund, Quill",
        "content": "<p>Dear Quill, it is refunded.</p>",
    }
    tell("email.drafted", {"email_id": "em_zq", **draft})
    tell("email.queued", {"email_id": "em_zq"})
    tell("email.sending_started", {"email_id": "em_zq", "attempt": 1})
    tell("email.sent", {"email_id": "em_zq", "server_response": "250 Ok: queued for Quill"})
    tell("email.drafted", {"email_id": "em_zq2", **draft, "recipients": recipients[:1]})
    tell("email.queued", {"email_id": "em_zq2"})
    tell("email.sending_started", {"email_id": "em_zq2", "attempt": 1})
    tell(
        "email.failed",
        {"email_id": "em_zq2", "error": "550 <zed.quill@example.com> rejected", "code": 550},
    )


def rejected_about_zed() -> list:
    """Envelopes that are rejected, naming Zed's address: one with a bad field name, and one
    on a subject that names no workspace with a body that is not JSON (kept with none)."""
    from chronicle_tools.workload import Published

    p = Producer(WS, "bad")
    data = {"contact_id": "c_zed", "field": "Bad Field!", "new": "zed.quill@example.com"}
    broken = b'{"id": "nowhere-1", "data": {"email": "zed.quill@example.com", "name": "Zed'
    return [
        p.envelope("contact.updated", data, DANA, START),
        Published("audit.ingest.no!workspace.contact.added", broken, None),
    ]
