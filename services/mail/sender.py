"""The sender: takes queued emails and sends each through its mailbox's adapter, once.

For each queued email (found in the emails read model, checked against the aggregate in
the event store, which is the authority), the sender
1. records `email.sending_started` (attempt n) and waits until it is committed;
2. hands the message, with the Message-ID fixed at draft, to the mailbox's server;
3. records `email.sent` or `email.failed` (the server's error), retrying until recorded.

At most once: an email is only handed to a server after step 1 committed, and an email
whose attempt started but has no outcome (the sender died between 2 and 3) is never
handed over again: the mailbox's Sent folder is asked (`MailSender.was_sent`) and the
email recorded sent if it is there, else failed with `outcome_unknown` (docs/email.md).
One sender is active at a time (a PostgreSQL advisory lock), so "started, no outcome,
and not mine" can only be an attempt a dead sender left.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Callable

import psycopg
import structlog

from adapters.eventstore import EventStore
from adapters.hosting import runtime
from adapters.hosting.runtime import HostedService, Watchdog
from adapters.mail import mailboxes
from adapters.mail.port import MailSender, OutgoingMessage, ReconnectNeeded, SendFailed
from adapters.migrations import ensure_store
from adapters.settings import Settings
from domain.outgoing_email import OutgoingEmail
from projections.emails.tables import OUTGOING
from services.mail.bus import IngestClient, Stopped

log = structlog.get_logger()
LOCK_KEY = 7_114_245_002  # pg advisory lock id of the single active sender
ACTOR = "chronicle-sender"
# the emails read model's queued ones (its index outgoing_queued), oldest first
_QUEUED = f"SELECT workspace_id, email_id FROM {OUTGOING} WHERE status = 'queued' "
_QUEUED += "ORDER BY position LIMIT 200"


def message_of(email: OutgoingEmail, mailbox: mailboxes.Mailbox) -> OutgoingMessage:
    def kind(k: str) -> tuple[str, ...]:
        return tuple(r.address for r in email.recipients if r.kind == k)

    return OutgoingMessage(
        message_id=email.message_id,
        from_address=mailbox.address,
        from_name=mailbox.display_name,
        to=kind("to"),
        cc=kind("cc"),
        bcc=kind("bcc"),
        subject=email.subject,
        content=email.content,
        content_type=email.content_type,
    )


class Sender(HostedService):
    def __init__(
        self,
        settings: Settings,
        adapter_for: Callable[[mailboxes.Mailbox], MailSender | None] | None = None,
    ) -> None:
        self.settings = settings
        self.adapter_for = adapter_for or (lambda m: m.sender())
        self.broker = runtime.broker(settings.nats_url, ACTOR)
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.store: EventStore | None = None
        self.sent = self.failed = self.resolved = 0
        self.leading = False

    async def prepare(self) -> None:
        await asyncio.to_thread(ensure_store, self.settings.database_url)
        self.store = await asyncio.to_thread(
            EventStore, self.settings.database_url, pool_size=2, create_tables=False
        )
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            mailboxes.ensure_tables(conn)

    async def begin(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self.run(), name="sender")
        self.watchdog = Watchdog(
            "sender", self._probe, self.settings.watch_interval, self.settings.stuck_after
        )
        self.watchdog.start()

    async def _probe(self) -> tuple[int, int]:
        """(emails finished, emails queued): queued ones and none finishing is `stuck`. A
        standby sender (another one leads) is never behind."""
        if not self.leading:
            return 0, 0
        async with await psycopg.AsyncConnection.connect(
            self.settings.database_url, autocommit=True, connect_timeout=10
        ) as conn:
            cur = await conn.execute("SELECT to_regclass(%s)", (str(OUTGOING),))
            if (await cur.fetchone())[0] is None:
                return self.sent + self.failed + self.resolved, 0  # no emails read model yet
            cur = await conn.execute(f"SELECT count(*) FROM {OUTGOING} WHERE status = 'queued'")
            queued = (await cur.fetchone())[0]
        return self.sent + self.failed + self.resolved, queued

    async def finish(self) -> None:
        if self.watchdog:
            await self.watchdog.stop()
        self._stop.set()
        if self._task:
            with contextlib.suppress(Stopped):
                await self._task

    async def close(self) -> None:
        if self.store:
            self.store.close()

    async def run(self) -> None:
        self.ingest = IngestClient(self.nc, ACTOR, self._stop)  # the service's connection
        url = self.settings.database_url
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as db:
            while not self._stop.is_set():
                locked = await (
                    await db.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
                ).fetchone()
                if locked[0]:
                    break
                await self._pause()
            if self._stop.is_set():
                return  # stopped while standing by: it never led
            log.info("sender.leading")
            self.leading = True
            while not self._stop.is_set():
                try:
                    for workspace_id, email_id in await self._queued(db):
                        if self._stop.is_set():
                            break
                        await self._turn(workspace_id, email_id)
                except (psycopg.OperationalError, OSError) as error:
                    log.warning("sender.retry", error=repr(error))
                await self._pause()

    async def _turn(self, workspace_id: str, email_id: str) -> None:
        """One email's turn. Whatever fails (an ingest reply that times out under load, a
        mailbox that cannot be read) ends this turn only: the email stays queued, or in
        doubt once its attempt was recorded, for the next round, which resolves an attempt
        in doubt without sending again."""
        try:
            await self.process(workspace_id, email_id)
        except (Stopped, psycopg.OperationalError):
            raise
        except Exception as error:
            log.error(
                "sender.error", workspace_id=workspace_id, email_id=email_id, error=repr(error)
            )

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), self.settings.sender_interval)

    async def _queued(self, db: psycopg.AsyncConnection) -> list[tuple[str, str]]:
        try:
            return await (await db.execute(_QUEUED)).fetchall()
        except psycopg.errors.UndefinedTable:
            return []  # the emails projector has not made its tables yet

    def _load(self, workspace_id: str, email_id: str) -> OutgoingEmail:
        return self.store.repository.get(OutgoingEmail.id_for(workspace_id, email_id))

    def _mailbox(self, workspace_id: str, mailbox_id: str) -> mailboxes.Mailbox | None:
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            return mailboxes.load(conn, workspace_id, mailbox_id)

    def _needs_reconnect(self, mailbox: mailboxes.Mailbox, reason: str) -> None:
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            mailboxes.needs_reconnect(conn, mailbox.workspace_id, mailbox.mailbox_id, reason)

    async def process(self, workspace_id: str, email_id: str) -> None:
        email = await asyncio.to_thread(self._load, workspace_id, email_id)
        if email.status != "queued":
            return  # the read model was behind
        mailbox = await asyncio.to_thread(self._mailbox, workspace_id, email.mailbox.mailbox_id)
        adapter = self.adapter_for(mailbox) if mailbox else None
        log_ = log.bind(workspace_id=workspace_id, email_id=email_id, correlation_id=email_id)
        if email.in_doubt:
            await self._resolve(email, adapter, log_)
            return
        if adapter is None:
            why = f"mailbox {email.mailbox.mailbox_id!r} is not connected for sending"
            await self._failed(email, 0, why, None, ())
            return
        attempt = email.attempts + 1
        answer = await self._tell(email, attempt, "email.sending_started", {"attempt": attempt})
        if answer["status"] not in ("accepted", "duplicate"):
            log_.warning("sender.not_started", answer=answer)
            return
        try:
            delivery = await asyncio.to_thread(adapter.send, message_of(email, mailbox))
        except SendFailed as failure:
            log_.warning("sender.failed", error=failure.error, attempt=attempt)
            if isinstance(failure, ReconnectNeeded):
                await asyncio.to_thread(self._needs_reconnect, mailbox, failure.error)
            unknown = failure.outcome_unknown
            await self._failed(
                email, attempt, failure.error, failure.code, failure.refused, unknown
            )
            return
        log_.info("sender.sent", attempt=attempt, response=delivery.server_response)
        await self._sent(email, attempt, delivery.server_response, delivery.refused)

    async def _resolve(self, email: OutgoingEmail, adapter: MailSender | None, log_) -> None:
        """An attempt a dead sender started and never finished: find out, never resend."""
        found = None
        if adapter is not None:
            try:
                found = await asyncio.to_thread(adapter.was_sent, email.message_id)
            except Exception as error:  # cannot tell, which is an answer too
                log_.warning("sender.sent_folder_unavailable", error=repr(error))
        log_.warning("sender.in_doubt", attempt=email.attempts, found_in_sent_folder=found)
        self.resolved += 1
        if found:
            await self._sent(email, email.attempts, None, (), confirmed_by="sent_folder")
        else:
            why = (
                f"attempt {email.attempts} was interrupted before its outcome was recorded; "
                "the email may or may not have been delivered and is not resent, so that it "
                "is never sent twice"
            )
            await self._failed(email, email.attempts, why, None, (), outcome_unknown=True)

    async def _sent(self, email, attempt, response, refused, confirmed_by="server") -> None:
        data = {
            "server_response": response[:2000] if response else None,
            "refused": [{"address": a, "error": e[:2000]} for a, e in refused],
            "confirmed_by": confirmed_by,
        }
        await self._tell(email, attempt, "email.sent", data)
        self.sent += 1

    async def _failed(self, email, attempt, error, code, refused, outcome_unknown=False) -> None:
        data = {
            "error": error[:5000],
            "code": code,
            "refused": [{"address": a, "error": e[:2000]} for a, e in refused],
            "outcome_unknown": outcome_unknown,
        }
        await self._tell(email, attempt, "email.failed", data)
        self.failed += 1

    async def _tell(self, email: OutgoingEmail, attempt: int, type_: str, data: dict) -> dict:
        """Deterministic envelope ids: a retried or repeated report is recorded once."""
        step = type_.split(".", 1)[1]
        name = email.email_id
        if len(name) > 120:
            name = hashlib.sha256(name.encode()).hexdigest()[:40]
        answer = await self.ingest.tell(
            email.workspace_id,
            type_,
            {"email_id": email.email_id, **data},
            f"{ACTOR}:{name}:{attempt}:{step}",
            team_id=email.mailbox.team_id,
        )
        if answer["status"] == "rejected":
            log.error("sender.rejected", type=type_, email_id=email.email_id, answer=answer)
        return answer
