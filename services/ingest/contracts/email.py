"""Data contracts of `email.*` envelopes: outgoing status changes and received emails."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from services.ingest.contracts.fields import Id, OptionalId
from services.ingest.envelope import Count, Flag, Moment, Strict

EmailAddress = Field(min_length=3, max_length=320, pattern=r"^[^@\s<>]+@[^@\s<>]+$")
Name = Field(None, max_length=500)
Subject = Field("", max_length=2000)
RAW_LIMIT = 1_000_000  # base64 characters; NATS' default message limit is 1 MiB


class AddressIn(Strict):
    address: str = EmailAddress
    name: str | None = Name


class RecipientIn(AddressIn):
    kind: Literal["to", "cc", "bcc"] = "to"


class EmailRef(Strict):
    email_id: str = Id


class Drafted(EmailRef):
    mailbox_id: str = Field(min_length=1, max_length=200, description="The connected mailbox")
    owner_user_id: str | None = Field(None, max_length=200, description="The mailbox's owner")
    team_id: str | None = Field(
        None, max_length=200, description="The mailbox's team (default: the envelope's team)"
    )
    from_address: str | None = Field(None, max_length=320, description="The mailbox's address")
    recipients: list[RecipientIn] = Field(min_length=1, max_length=500)
    subject: str = Subject
    content: str = Field("", max_length=500_000, description="Long rich text (HTML or plain)")
    content_type: Literal["text/html", "text/plain"] = "text/html"
    link_type: str | None = Field(
        None, min_length=1, max_length=64, description="contact, conversation, ticket, ..."
    )
    link_id: str | None = OptionalId


class SendingStarted(EmailRef):
    attempt: Count = Field(ge=1, le=1000, description="1 for the first attempt, then 2, ...")


class RefusalIn(Strict):
    address: str = Field(min_length=1, max_length=320)
    error: str = Field(max_length=2000)


class Sent(EmailRef):
    server_response: str | None = Field(None, max_length=2000, description="The server's reply")
    refused: list[RefusalIn] = Field(default_factory=list, max_length=500)
    confirmed_by: Literal["server", "sent_folder"] = Field(
        "server", description="server: it accepted the message; sent_folder: found there"
    )


class Failed(EmailRef):
    error: str = Field(min_length=1, max_length=5000, description="The server's error")
    code: Count | None = Field(
        None, ge=0, le=999, description="The server's reply code, if any (SMTP; Gmail: HTTP)"
    )
    refused: list[RefusalIn] = Field(default_factory=list, max_length=500)
    outcome_unknown: Flag = Field(
        False, description="The attempt was interrupted: it may or may not have gone out"
    )


class EmailAttachmentIn(Strict):
    name: str | None = Field(None, max_length=1000)
    content_type: str = Field("application/octet-stream", max_length=200)
    size: Count = Field(0, ge=0)


class Received(Strict):
    """An email a connector has parsed itself."""

    mailbox_id: str = Field(min_length=1, max_length=200)
    message_id: str = Field(min_length=1, max_length=998, description="RFC 5322 Message-ID")
    sender: AddressIn
    to: list[AddressIn] = Field(default_factory=list, max_length=500)
    cc: list[AddressIn] = Field(default_factory=list, max_length=500)
    subject: str | None = Field(None, max_length=2000)
    sent_at: Moment | None = Field(None, description="The Date header")
    snippet: str | None = Field(None, max_length=2000, description="Default: the body's start")
    body: str = Field("", max_length=500_000, description="Text (longer bodies are capped)")
    attachments: list[EmailAttachmentIn] = Field(default_factory=list, max_length=500)
    in_reply_to: str | None = Field(None, max_length=998)


class RawReceived(Strict):
    """An RFC 5322 message as bytes: Chronicle parses it."""

    mailbox_id: str = Field(min_length=1, max_length=200)
    raw: str = Field(
        min_length=1, max_length=RAW_LIMIT, description="The whole message, base64 (RFC 4648)"
    )
    via: Literal["raw", "imap", "maildir", "gmail"] = Field(
        "raw", description="How the connector read it: raw (a connector), imap, maildir, gmail"
    )
