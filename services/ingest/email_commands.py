"""The `email.*` envelope types, as rows of the registry (services/ingest/registry.py
turns each into a Command): type, data model, handler, kind, summary, example, given."""

from __future__ import annotations

import base64

from services.ingest.contracts import email as c
from services.ingest.handlers import email as h

ANN = (
    "contact.added",
    {
        "contact_id": "c_ann",
        "name": "Ann Lee",
        "source": "incoming_message",
        "emails": ["ann@example.com"],
    },
)
E1 = {"email_id": "em_1"}
DRAFT = (
    "email.drafted",
    {
        **E1,
        "mailbox_id": "mb_dana",
        "owner_user_id": "u_17",
        "team_id": "support",
        "from_address": "dana@acme.test",
        "recipients": [{"address": "Ann@Example.com", "name": "Ann Lee"}],
        "subject": "Your refund",
        "content": "<p>Hi Ann, the duplicate charge is <b>refunded</b>.</p>",
        "link_type": "conversation",
        "link_id": "conv_1",
    },
)
QUEUED = ("email.queued", E1)
STARTED = ("email.sending_started", {**E1, "attempt": 1})
E2 = {"email_id": "em_2"}  # the one that fails
DRAFT2 = ("email.drafted", {**DRAFT[1], **E2, "subject": "Your receipt"})
QUEUED2 = ("email.queued", E2)
STARTED2 = ("email.sending_started", {**E2, "attempt": 1})
RAW = (
    b"From: Ann Lee <ANN@example.com>\r\nTo: dana@acme.test\r\n"
    b"Subject: =?utf-8?q?Re=3A_Your_refund_=E2=9C=94?=\r\n"
    b"Message-ID: <reply-1@example.com>\r\nDate: Fri, 20 Nov 2026 09:00:00 +0000\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nThank you, it arrived!\r\n"
)

ENTRIES = [
    (
        "email.drafted",
        c.Drafted,
        h.drafted,
        "fact",
        "An outgoing email was drafted in a connected mailbox (status draft)",
        DRAFT[1],
        (ANN,),
    ),
    (
        "email.queued",
        c.EmailRef,
        h.queued,
        "command",
        "A draft was queued for sending (draft -> queued)",
        E1,
        (ANN, DRAFT),
    ),
    (
        "email.sending_started",
        c.SendingStarted,
        h.sending_started,
        "command",
        "A sender is about to hand the email to the server (attempt n)",
        STARTED[1],
        (ANN, DRAFT, QUEUED),
    ),
    (
        "email.sent",
        c.Sent,
        h.sent,
        "command",
        "The server accepted the email (queued -> sent); on each recipient contact's timeline",
        {**E1, "server_response": "250 2.0.0 Ok: queued as 4F1C2A"},
        (ANN, DRAFT, QUEUED, STARTED),
    ),
    (
        "email.failed",
        c.Failed,
        h.failed,
        "command",
        "Sending failed, with the server's error (queued -> failed)",
        {**E2, "error": "550 5.1.1 <ann@example.com>: Recipient address rejected", "code": 550},
        (ANN, DRAFT2, QUEUED2, STARTED2),
    ),
    (
        "email.received",
        c.Received,
        h.received,
        "fact",
        "An email a connector parsed arrived in a mailbox; once per Message-ID and mailbox",
        {
            "mailbox_id": "mb_dana",
            "message_id": "<reply-0@example.com>",
            "sender": {"address": "ann@EXAMPLE.com", "name": "Ann Lee"},
            "to": [{"address": "dana@acme.test"}],
            "subject": "Question about my invoice",
            "body": "Hi, why was I charged twice?",
            "attachments": [{"name": "bill.pdf", "content_type": "application/pdf", "size": 48213}],
        },
        (ANN,),
    ),
    (
        "email.raw_received",
        c.RawReceived,
        h.raw_received,
        "fact",
        "A raw RFC 5322 message (base64) arrived in a mailbox; Chronicle parses it",
        {"mailbox_id": "mb_dana", "raw": base64.b64encode(RAW).decode()},
        (ANN,),
    ),
]
