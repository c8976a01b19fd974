"""Connected mailboxes: how each sends and is read, and whether it works — a Gmail mailbox
whose grant Google refused reads `reconnect_needed`, with Google's reason, until someone
connects it again (`chronicle mailbox add --gmail`). Secrets are never shown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import psycopg
from fastapi import APIRouter, Path
from psycopg.rows import dict_row
from pydantic import BaseModel, Field

from adapters.mail.gmail_auth import GmailAccount
from services.api.deps import ERRORS, CallerScope, Conn, not_found

router = APIRouter(tags=["mailboxes"], responses=ERRORS)


class MailboxOut(BaseModel):
    mailbox_id: str
    address: str = Field(description="The address it sends from")
    display_name: str | None
    owner_user_id: str | None
    team_id: str | None = Field(description="The team its emails belong to")
    sends_with: Literal["smtp", "gmail"] | None = Field(description="null: it does not send")
    reads_with: Literal["imap", "maildir", "gmail"] | None = Field(
        description="null: it is not read"
    )
    state: Literal["connected", "reconnect_needed"] = Field(
        description="reconnect_needed: Google refused the grant; nothing is sent or read "
        "until a person connects the mailbox again"
    )
    state_reason: str | None = Field(description="Why it needs reconnecting")
    state_changed_at: datetime | None


class MailboxesOut(BaseModel):
    mailboxes: list[MailboxOut]


_SELECT = (
    "SELECT mailbox_id, address, display_name, owner_user_id, team_id, state, state_reason, "
    "state_changed_at, smtp IS NOT NULL AS smtp, imap IS NOT NULL AS imap, "
    "maildir IS NOT NULL AS maildir, gmail FROM email_mailboxes WHERE "
)


def _out(row: dict) -> MailboxOut:
    """How it sends and is read, chosen as the sender and poller choose (mailboxes.py)."""
    smtp, imap, maildir, gmail = (row.pop(k) for k in ("smtp", "imap", "maildir", "gmail"))
    account = GmailAccount.of(gmail) if gmail else None
    sends = "gmail" if account and account.can_send else ("smtp" if smtp and not gmail else None)
    reads = "gmail" if account and account.can_read else None
    if not gmail:
        reads = "maildir" if maildir else ("imap" if imap else None)
    return MailboxOut(**row, sends_with=sends, reads_with=reads)


async def _mailboxes(conn, scope, mailbox_id: str | None = None) -> list[MailboxOut]:
    where, params = scope.where()
    if mailbox_id is not None:
        where, params = where + " AND mailbox_id = %s", [*params, mailbox_id]
    try:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(_SELECT + where + " ORDER BY mailbox_id", params)
            rows = await cur.fetchall()
    except psycopg.errors.UndefinedTable:
        return []  # no mailbox was ever connected
    return [_out(row) for row in rows]


@router.get(
    "/v1/mailboxes",
    response_model=MailboxesOut,
    summary="Connected mailboxes, how they send and are read, and whether they work",
)
async def mailboxes(conn: Conn, scope: CallerScope) -> MailboxesOut:
    return MailboxesOut(mailboxes=await _mailboxes(conn, scope))


@router.get("/v1/mailboxes/{mailbox_id}", response_model=MailboxOut, summary="One mailbox")
async def mailbox(
    conn: Conn,
    scope: CallerScope,
    mailbox_id: Annotated[str, Path(description="The connected mailbox's id")],
) -> MailboxOut:
    found = await _mailboxes(conn, scope, mailbox_id)
    if not found:
        raise not_found("mailbox", mailbox_id)
    return found[0]
