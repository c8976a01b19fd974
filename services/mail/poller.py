"""The mailbox poller: now and then, reads new messages of every connected mailbox that
has an IMAP account or a Maildir, and tells Chronicle about each.

Each message goes as `email.raw_received` (its bytes, base64: Chronicle parses it, and
keeps what it cannot parse in the rejects store); one too big for the bus is parsed here
and goes as `email.received`, its body capped (if it cannot be parsed, the poller keeps it
in the rejects store itself). Only once Chronicle answered is the
message marked as handled (`email_poll_seen`) and the mailbox's cursor moved
(`email_poll_state`, UIDVALIDITY + UID for IMAP), in one transaction. A crash in between
makes the message be read again, which records nothing new: the envelope id is the
message's key, and the email's id its Message-ID.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import time
from collections.abc import Callable

import psycopg
import structlog
from psycopg.types.json import Jsonb

from adapters import bus
from adapters.eventstore import INSERT_REJECT, RejectRecord, reject_row
from adapters.hosting import runtime
from adapters.hosting.runtime import HostedService, Watchdog
from adapters.mail import mailboxes
from adapters.mail.parse import Unparseable, parse
from adapters.mail.port import Fetched, MailReader, ReconnectNeeded
from adapters.migrations import ensure_store
from adapters.settings import Settings
from services.mail.bus import IngestClient

log = structlog.get_logger()
LOCK_KEY = 7_114_245_003  # pg advisory lock id of the single active poller
ACTOR = "chronicle-poller"
BUS_LIMIT = 600_000  # raw bytes sent as they are; base64 and the envelope stay under 1 MiB
BATCH = 100  # messages per mailbox per poll


def parsed_data(mailbox_id: str, raw: bytes) -> dict:
    """`email.received` data for a message too large for the bus."""
    p = parse(raw)
    mailer = lambda a: {"address": a.address, "name": a.name}  # noqa: E731
    return {
        "mailbox_id": mailbox_id,
        "message_id": p.message_id,
        "sender": mailer(p.sender),
        "to": [mailer(a) for a in p.to][:500],
        "cc": [mailer(a) for a in p.cc][:500],
        "subject": p.subject[:2000] if p.subject else None,
        "sent_at": p.sent_at.isoformat() if p.sent_at else None,
        "snippet": p.snippet,
        "body": p.body,
        "attachments": [
            {"name": a.name, "content_type": a.content_type[:200], "size": a.size}
            for a in p.attachments
        ][:500],
        "in_reply_to": p.in_reply_to,
    }


class Poller(HostedService):
    def __init__(
        self,
        settings: Settings,
        reader_for: Callable[[mailboxes.Mailbox], MailReader | None] | None = None,
    ) -> None:
        self.settings = settings
        self.reader_for = reader_for or (lambda m: m.reader())
        self.broker = runtime.broker(settings.nats_url, ACTOR)
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.polls = 0  # completed rounds over every mailbox
        self.leading = False
        self.last_round = time.monotonic()
        self.told = 0

    async def prepare(self) -> None:
        await asyncio.to_thread(ensure_store, self.settings.database_url)
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            mailboxes.ensure_tables(conn)

    async def begin(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self.run(), name="poller")
        self.watchdog = Watchdog(
            "poller", self._probe, self.settings.watch_interval, self.settings.stuck_after
        )
        self.watchdog.start()

    async def _probe(self) -> tuple[int, int]:
        """(rounds done, 1 when a round is overdue): rounds that stop coming are `stuck`.
        A standby poller (another one leads) is never behind."""
        overdue = 2 * self.settings.poller_interval + 10
        late = self.leading and time.monotonic() - self.last_round > overdue
        return self.polls, int(late)

    async def finish(self) -> None:
        if self.watchdog:
            await self.watchdog.stop()
        self._stop.set()
        if self._task:
            await self._task

    async def run(self) -> None:
        self.ingest = IngestClient(self.nc, ACTOR, self._stop)  # the service's connection
        url = self.settings.database_url
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as lock:
            while not self._stop.is_set():
                row = await (
                    await lock.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
                ).fetchone()
                if row[0]:
                    break
                await self._pause()
            self.leading, self.last_round = True, time.monotonic()
            while not self._stop.is_set():
                await self.poll_all()
                await self._pause()

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), self.settings.poller_interval)

    async def poll_all(self) -> None:
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            connected = mailboxes.load_all(conn)
        for mailbox in connected:
            if self._stop.is_set():
                return
            reader = self.reader_for(mailbox)
            if reader is None:
                continue
            try:
                await self.poll(mailbox, reader)
            except ReconnectNeeded as error:  # left alone until a person connects it again
                await asyncio.to_thread(self._needs_reconnect, mailbox, error.error)
                log.warning("poller.reconnect_needed", mailbox_id=mailbox.mailbox_id)
            except Exception as error:  # one unreachable mailbox must not stop the others
                log.warning(
                    "poller.mailbox_failed",
                    workspace_id=mailbox.workspace_id,
                    mailbox_id=mailbox.mailbox_id,
                    error=repr(error),
                )
        self.polls += 1
        self.last_round = time.monotonic()

    async def poll(self, mailbox: mailboxes.Mailbox, reader: MailReader) -> int:
        """Read and record this mailbox's new messages; returns how many were handled."""
        handled = 0
        while not self._stop.is_set():
            cursor = await asyncio.to_thread(self._cursor, mailbox)
            known = lambda keys: self._known(mailbox, keys)  # noqa: E731
            batch = await asyncio.to_thread(reader.new_messages, cursor, known, BATCH)
            for fetched in batch:
                outcome, kept = await self._tell(mailbox, fetched)
                await asyncio.to_thread(self._handled, mailbox, fetched, outcome, kept)
                handled += 1
            if len(batch) < BATCH:
                settled = getattr(reader, "settled_cursor", None)
                if settled is not None:  # caught up: the position moves even with no message
                    await asyncio.to_thread(self._settle, mailbox, settled)
                break
        return handled

    async def _tell(
        self, mailbox: mailboxes.Mailbox, fetched: Fetched
    ) -> tuple[str, RejectRecord | None]:
        """Tell Chronicle; returns the outcome, and the reject to keep when the message
        could not even be sent (too large for the bus and unparseable)."""
        digest = hashlib.sha256(fetched.key.encode()).hexdigest()[:32]
        envelope_id = f"{ACTOR}:{mailbox.mailbox_id[:100]}:{digest}"
        via = fetched.key.split(":", 1)[0]
        if len(fetched.raw) <= BUS_LIMIT:
            type_ = "email.raw_received"
            data = {
                "mailbox_id": mailbox.mailbox_id,
                "raw": base64.b64encode(fetched.raw).decode(),
                "via": via,
            }
        else:
            type_ = "email.received"
            try:
                data = parsed_data(mailbox.mailbox_id, fetched.raw)
            except Unparseable as e:
                log.error("poller.unparseable", key=fetched.key, reason=e.reason)
                reason = {"field": "data.raw", "problem": e.reason, "rule": "email.unparseable"}
                kept = RejectRecord(
                    None,
                    mailbox.workspace_id,
                    envelope_id,
                    bus.ingest_subject(mailbox.workspace_id, type_),
                    type_,
                    [reason],
                    fetched.raw,
                    {"Chronicle-Mailbox": mailbox.mailbox_id, "Chronicle-Message-Key": fetched.key},
                )
                return "rejected", kept
        answer = await self.ingest.tell(
            mailbox.workspace_id,
            type_,
            data,
            envelope_id,
            team_id=mailbox.team_id,
            occurred_at=fetched.received_at,
        )
        self.told += 1
        return answer["status"], None

    def _cursor(self, mailbox: mailboxes.Mailbox) -> dict | None:
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT cursor FROM email_poll_state WHERE workspace_id = %s AND mailbox_id = %s",
                (mailbox.workspace_id, mailbox.mailbox_id),
            ).fetchone()
        return row[0] if row else None

    def _settle(self, mailbox: mailboxes.Mailbox, cursor: dict) -> None:
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO email_poll_state (workspace_id, mailbox_id, cursor) "
                "VALUES (%s, %s, %s) ON CONFLICT (workspace_id, mailbox_id) DO UPDATE "
                "SET cursor = EXCLUDED.cursor, polled_at = now()",
                (mailbox.workspace_id, mailbox.mailbox_id, Jsonb(cursor)),
            )

    def _needs_reconnect(self, mailbox: mailboxes.Mailbox, reason: str) -> None:
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            mailboxes.needs_reconnect(conn, mailbox.workspace_id, mailbox.mailbox_id, reason)

    def _known(self, mailbox: mailboxes.Mailbox, keys: list[str]) -> set[str]:
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT key FROM email_poll_seen WHERE workspace_id = %s AND mailbox_id = %s "
                "AND key = ANY(%s)",
                (mailbox.workspace_id, mailbox.mailbox_id, keys),
            ).fetchall()
        return {r[0] for r in rows}

    def _handled(
        self,
        mailbox: mailboxes.Mailbox,
        fetched: Fetched,
        outcome: str,
        kept: RejectRecord | None = None,
    ) -> None:
        with psycopg.connect(self.settings.database_url) as conn, conn.transaction():
            if kept is not None:  # kept with the mark, so a crash between can't lose it
                conn.execute(INSERT_REJECT, reject_row(kept))
            conn.execute(
                "INSERT INTO email_poll_seen (workspace_id, mailbox_id, key, outcome) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (mailbox.workspace_id, mailbox.mailbox_id, fetched.key, outcome),
            )
            if fetched.cursor is not None:
                conn.execute(
                    "INSERT INTO email_poll_state (workspace_id, mailbox_id, cursor) "
                    "VALUES (%s, %s, %s) ON CONFLICT (workspace_id, mailbox_id) DO UPDATE "
                    "SET cursor = EXCLUDED.cursor, polled_at = now()",
                    (mailbox.workspace_id, mailbox.mailbox_id, Jsonb(fetched.cursor)),
                )
