"""Connected mailboxes: how to reach each one, kept in `email_mailboxes`, never in events.

A mailbox sends over SMTP and/or is read over IMAP or from a Maildir, or does both through
the Gmail API. Its secret (one password for SMTP and IMAP; the OAuth grant or service-account
key for Gmail) is stored either as given or as `env:NAME`, read from the environment of the
sender/poller when they connect, so it need not be in the database. A Gmail mailbox whose
grant Google refuses is marked `reconnect_needed` (`state`, `state_reason`) and left alone
until it is connected again. What each poller has read is in `email_poll_state` (cursor)
and `email_poll_seen` (keys).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from adapters.mail.gmail import GmailSender
from adapters.mail.gmail_auth import GmailAccount
from adapters.mail.gmail_sync import GmailReader
from adapters.mail.imap import ImapReader
from adapters.mail.maildir import MaildirReader
from adapters.mail.port import Delivery, MailReader, MailSender, OutgoingMessage, ReconnectNeeded
from adapters.mail.smtp import SmtpSender

CONNECTED, RECONNECT_NEEDED = "connected", "reconnect_needed"

MAILBOX_DDL = [
    """
    CREATE TABLE IF NOT EXISTS email_mailboxes (
        workspace_id text NOT NULL,
        mailbox_id text NOT NULL,
        owner_user_id text,
        team_id text,
        address text NOT NULL,
        display_name text,
        smtp jsonb,
        imap jsonb,
        maildir text,
        secret text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, mailbox_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS email_poll_state (
        workspace_id text NOT NULL,
        mailbox_id text NOT NULL,
        cursor jsonb,
        polled_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, mailbox_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS email_poll_seen (
        workspace_id text NOT NULL,
        mailbox_id text NOT NULL,
        key text NOT NULL,
        outcome text NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, mailbox_id, key)
    )
    """,
    "ALTER TABLE email_mailboxes ADD COLUMN IF NOT EXISTS gmail jsonb",
    "ALTER TABLE email_mailboxes ADD COLUMN IF NOT EXISTS state text NOT NULL "
    f"DEFAULT '{CONNECTED}'",
    "ALTER TABLE email_mailboxes ADD COLUMN IF NOT EXISTS state_reason text",
    "ALTER TABLE email_mailboxes ADD COLUMN IF NOT EXISTS state_changed_at timestamptz",
]


@dataclass(frozen=True)
class Mailbox:
    workspace_id: str
    mailbox_id: str
    address: str
    owner_user_id: str | None = None
    team_id: str | None = None
    display_name: str | None = None
    smtp: dict[str, Any] | None = None  # host, port, security, username
    imap: dict[str, Any] | None = None  # host, port, security, username, folder, sent_folder
    maildir: str | None = None
    secret: str | None = field(default=None, repr=False)
    gmail: dict[str, Any] | None = None  # GmailAccount.as_config(): auth, scopes, label...
    state: str = CONNECTED
    state_reason: str | None = None
    state_changed_at: Any = None

    def password(self) -> str | None:
        if self.secret and self.secret.startswith("env:"):
            return os.environ.get(self.secret[4:])
        return self.secret

    def sender(self) -> MailSender | None:
        if self.gmail and GmailAccount.of(self.gmail).can_send:
            if self.state == RECONNECT_NEEDED:
                return Disconnected(self.mailbox_id, self.state_reason)
            return GmailSender(GmailAccount.of(self.gmail), self.password(), self.address)
        if not self.smtp:
            return None
        s = self.smtp
        sent = None
        if self.imap and self.imap.get("sent_folder"):
            sent = self._imap(self.imap["sent_folder"])
        return SmtpSender(
            s["host"],
            int(s["port"]),
            security=s.get("security", "starttls"),
            username=s.get("username"),
            password=self.password(),
            sent_folder=sent,
        )

    def _imap(self, folder: str) -> ImapReader:
        i = self.imap
        return ImapReader(
            i["host"],
            int(i["port"]),
            username=i.get("username") or self.address,
            password=self.password() or "",
            security=i.get("security", "ssl"),
            folder=folder,
        )

    def reader(self) -> MailReader | None:
        if self.gmail:
            account = GmailAccount.of(self.gmail)
            if self.state == RECONNECT_NEEDED or not account.can_read:
                return None  # nothing to read until a person connects it again
            return GmailReader(account, self.password(), self.address)
        if self.maildir:
            return MaildirReader(self.maildir)
        if self.imap:
            return self._imap(self.imap.get("folder", "INBOX"))
        return None


class Disconnected:
    """The sender of a mailbox that needs reconnecting: it fails at once, saying so."""

    def __init__(self, mailbox_id: str, reason: str | None) -> None:
        self.why = f"mailbox {mailbox_id!r} needs reconnecting: {reason or 'its grant is gone'}"

    def send(self, message: OutgoingMessage) -> Delivery:
        raise ReconnectNeeded(self.why)

    def was_sent(self, message_id: str) -> bool | None:
        return None


def ensure_tables(conn: Any) -> None:
    """Idempotent; services starting together (sender, poller) take turns, as concurrent
    CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalogue."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(7116)")
        for ddl in MAILBOX_DDL:
            conn.execute(ddl)


def save(conn: Any, m: Mailbox) -> None:
    ensure_tables(conn)
    conn.execute(
        "INSERT INTO email_mailboxes (workspace_id, mailbox_id, owner_user_id, team_id, "
        "address, display_name, smtp, imap, maildir, secret, gmail, state, state_reason, "
        "state_changed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, now()) "
        "ON CONFLICT (workspace_id, mailbox_id) DO "
        "UPDATE SET owner_user_id = EXCLUDED.owner_user_id, team_id = EXCLUDED.team_id, "
        "address = EXCLUDED.address, display_name = EXCLUDED.display_name, "
        "smtp = EXCLUDED.smtp, imap = EXCLUDED.imap, maildir = EXCLUDED.maildir, "
        "secret = EXCLUDED.secret, gmail = EXCLUDED.gmail, state = EXCLUDED.state, "
        "state_reason = NULL, state_changed_at = now()",
        (
            m.workspace_id,
            m.mailbox_id,
            m.owner_user_id,
            m.team_id,
            m.address,
            m.display_name,
            Jsonb(m.smtp) if m.smtp else None,
            Jsonb(m.imap) if m.imap else None,
            m.maildir,
            m.secret,
            Jsonb(m.gmail) if m.gmail else None,
            CONNECTED,  # connecting (again) is what ends `reconnect_needed`
        ),
    )


def needs_reconnect(conn: Any, workspace_id: str, mailbox_id: str, reason: str) -> None:
    """Google refused the mailbox's grant: stop using it until it is connected again."""
    conn.execute(
        "UPDATE email_mailboxes SET state = %s, state_reason = %s, state_changed_at = now() "
        "WHERE workspace_id = %s AND mailbox_id = %s AND state <> %s",
        (RECONNECT_NEEDED, reason[:2000], workspace_id, mailbox_id, RECONNECT_NEEDED),
    )


def remove(conn: Any, workspace_id: str, mailbox_id: str) -> bool:
    ensure_tables(conn)
    cur = conn.execute(
        "DELETE FROM email_mailboxes WHERE workspace_id = %s AND mailbox_id = %s",
        (workspace_id, mailbox_id),
    )
    return cur.rowcount > 0


_COLUMNS = (
    "workspace_id, mailbox_id, address, owner_user_id, team_id, display_name, smtp, imap, "
    "maildir, secret, gmail, state, state_reason, state_changed_at"
)


def load(conn: Any, workspace_id: str, mailbox_id: str) -> Mailbox | None:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            f"SELECT {_COLUMNS} FROM email_mailboxes WHERE workspace_id = %s AND mailbox_id = %s",
            (workspace_id, mailbox_id),
        ).fetchone()
    return Mailbox(**row) if row else None


def load_all(conn: Any) -> list[Mailbox]:
    with conn.cursor(row_factory=dict_row) as cur:
        found = cur.execute(
            f"SELECT {_COLUMNS} FROM email_mailboxes ORDER BY workspace_id, mailbox_id"
        ).fetchall()
    return [Mailbox(**row) for row in found]
