"""Emails: an outgoing email's status and full history, an incoming email, a contact's
email history (both directions, searchable), a mailbox's outgoing emails by status, and
senders no contact has. Without email permission, content reads as hidden."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from projections.emails.queries import EmailQueries
from projections.shared.answers import ActorOut, SourceOut
from projections.shared.paging import Paged
from services.api.deps import ERRORS, CallerScope, Conn, not_found

router = APIRouter(tags=["emails"], responses=ERRORS)
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page (default 10)")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]
HIDDEN_NOTE = " (null without email permission)"


class Mailer(BaseModel):
    address: str
    name: str | None


class HistoryEntry(BaseModel):
    position: int = Field(description="The event's place in the store's log")
    type: str = Field(description="email.drafted, email.queued, email.sending_started, ...")
    status: str = Field(description="The email's status after this change")
    occurred_at: datetime = Field(description="When it happened (producer clock)")
    recorded_at: datetime = Field(description="When Chronicle stored it")
    actor: ActorOut | None
    summary: str
    details: dict[str, Any]


class OutgoingEmailOut(BaseModel):
    email_id: str
    mailbox_id: str
    owner_user_id: str | None
    team_id: str | None
    status: str = Field(description="draft, queued, sent or failed")
    subject: str | None = Field(description="The subject" + HIDDEN_NOTE)
    recipients: list[dict[str, Any]] | None = Field(description="address, name, kind (to/cc/bcc)")
    content: str | None = Field(description="The content, as drafted" + HIDDEN_NOTE)
    content_type: str
    link: dict[str, str] | None = Field(description="The record it is about: type and id")
    message_id: str = Field(description="The RFC 5322 Message-ID it is sent with")
    attempts: int = Field(description="Sending attempts started")
    in_doubt: bool = Field(description="An attempt started and its outcome is not recorded yet")
    error: str | None = Field(description="The server's error, when failed" + HIDDEN_NOTE)
    drafted_at: datetime
    updated_at: datetime
    position: int
    entries: list[HistoryEntry] = Field(description="Every change, oldest first")


class IncomingEmailOut(BaseModel):
    id: str = Field(description="Chronicle's id of the email (from mailbox and Message-ID)")
    mailbox_id: str
    message_id: str
    sender: Mailer | None
    to: list[Mailer] | None
    cc: list[Mailer] | None
    subject: str | None
    snippet: str | None
    body: str | None = Field(description="Text of the body (capped; see body_truncated)")
    body_truncated: bool
    attachments: list[dict[str, Any]] | None = Field(description="name, content_type, size")
    in_reply_to: str | None
    sent_at: datetime | None = Field(description="The message's Date header")
    occurred_at: datetime = Field(description="When it was received")
    recorded_at: datetime
    team_id: str | None
    contact_ids: list[str] = Field(description="Contacts matched by the sender's address")
    via: str = Field(description="imap, maildir, gmail, raw or parsed")
    position: int
    entries: list[HistoryEntry]


class ContactEmail(BaseModel):
    direction: str = Field(description="inbound (received) or outbound (sent or to be sent)")
    source: SourceOut = Field(description="email (outgoing id) or incoming_email (its id)")
    occurred_at: datetime
    position: int
    status: str = Field(description="draft, queued, sent, failed, or received")
    subject: str | None
    snippet: str | None
    counterpart: str | None = Field(description="The sender, or the first recipient")
    contact_id: str = Field(description="The contact (this one or one merged into it)")


class ContactEmailsPage(Paged):
    contact_id: str
    emails: list[ContactEmail]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page")


class MailboxEmail(BaseModel):
    email_id: str
    status: str
    subject: str | None
    recipients: list[dict[str, Any]] | None
    owner_user_id: str | None
    team_id: str | None
    attempts: int
    in_doubt: bool
    error: str | None
    drafted_at: datetime
    updated_at: datetime


class MailboxEmailsPage(Paged):
    mailbox_id: str
    emails: list[MailboxEmail]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class UnknownSender(BaseModel):
    address: str | None = Field(description="The sender's address" + HIDDEN_NOTE)
    name: str | None
    emails: int = Field(description="Emails received from it")
    first_seen_at: datetime
    last_seen_at: datetime
    last_subject: str | None
    last_email: str = Field(description="Id of its latest email (/v1/incoming-emails/{id})")
    mailbox_id: str
    team_id: str | None


class UnknownSendersPage(Paged):
    senders: list[UnknownSender]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


@router.get(
    "/v1/emails/{email_id}",
    response_model=OutgoingEmailOut,
    summary="An outgoing email's status and full status history",
)
async def outgoing_email(
    conn: Conn,
    scope: CallerScope,
    email_id: Annotated[str, Path(description="The producer's email id")],
) -> OutgoingEmailOut:
    found = await EmailQueries(conn, scope).outgoing(email_id)
    if found is None:
        raise not_found("email", email_id)
    return found


@router.get(
    "/v1/incoming-emails/{email_id}",
    response_model=IncomingEmailOut,
    summary="A received email",
)
async def incoming_email(
    conn: Conn,
    scope: CallerScope,
    email_id: Annotated[str, Path(description="Chronicle's id of the email (source id)")],
) -> IncomingEmailOut:
    found = await EmailQueries(conn, scope).incoming(email_id)
    if found is None:
        raise not_found("incoming email", email_id)
    return found


@router.get(
    "/v1/contacts/{contact_id}/emails",
    response_model=ContactEmailsPage,
    summary="A contact's email history, both directions, newest first",
)
async def contact_emails(
    conn: Conn,
    scope: CallerScope,
    contact_id: Annotated[str, Path(description="The contact's id")],
    limit: Limit = 10,
    cursor: Cursor = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Subject or text contains this"),
    ] = None,
    direction: Annotated[
        Literal["inbound", "outbound"] | None, Query(description="Only received or sent")
    ] = None,
) -> ContactEmailsPage:
    found = await EmailQueries(conn, scope).contact_emails(
        contact_id, limit=limit, cursor=cursor, text=q, direction=direction
    )
    if found is None:
        raise not_found("contact", contact_id)
    return found


@router.get(
    "/v1/mailboxes/{mailbox_id}/outgoing",
    response_model=MailboxEmailsPage,
    summary="A mailbox's outgoing emails, by status, most recently changed first",
)
async def mailbox_outgoing(
    conn: Conn,
    scope: CallerScope,
    mailbox_id: Annotated[str, Path(description="The connected mailbox's id")],
    status: Annotated[
        list[Literal["draft", "queued", "sent", "failed"]],
        Query(description="Only these statuses (repeatable)"),
    ] = [],  # noqa: B006
    limit: Limit = 10,
    cursor: Cursor = None,
) -> MailboxEmailsPage:
    found = await EmailQueries(conn, scope).mailbox_outgoing(
        mailbox_id, statuses=list(status), limit=limit, cursor=cursor
    )
    if found is None:
        raise not_found("mailbox", mailbox_id)
    return found


@router.get(
    "/v1/unknown-senders",
    response_model=UnknownSendersPage,
    summary="Senders of received email that no contact has, most recent first",
)
async def unknown_senders(
    conn: Conn, scope: CallerScope, limit: Limit = 10, cursor: Cursor = None
) -> UnknownSendersPage:
    return await EmailQueries(conn, scope).unknown_senders(limit=limit, cursor=cursor)
