"""What the hub hears: the projections' announcements on one LISTEN connection, and a
slow poll of their tracking rows that catches whatever a lost announcement or a dropped
connection hid. The poll also ends the streams of revoked tokens."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import psycopg
import structlog
from psycopg_pool import AsyncConnectionPool

from adapters.retry import Backoff, retry
from projections.engine.live import CHANNEL, parse
from projections.shared.reading import rows

log = structlog.get_logger()


class Listener(Protocol):
    """What the watcher tells: the hub (hub.py), seen from here so the two modules do not
    import each other."""

    pool: AsyncConnectionPool
    kinds: Mapping[str, Any]

    def announce(self, schema: str, position: int, workspaces: frozenset[str] | None) -> None:
        """A read model reached `position` (for these workspaces, or any when None)."""

    def looked_up_to(self, schema: str) -> int | None:
        """The position up to which the hub has looked up the model's changes."""

    def subscriptions(self) -> Sequence[Any]:
        """The live subscriptions, whose tokens the poll checks."""


async def tracked_positions(pool: AsyncConnectionPool, schemas) -> dict[str, int]:
    """Each read model's tracked position (0 for one that does not exist yet)."""
    found = {}
    async with pool.connection() as conn:
        for schema in schemas:
            try:
                tracked = await rows(conn, f"SELECT max(position) AS p FROM {schema}.tracking", ())
                found[schema] = tracked[0]["p"] or 0
            except psycopg.errors.UndefinedTable:
                found[schema] = 0
    return found


class Watcher:
    def __init__(
        self, hub: Listener, database_url: str, poll_interval: float, reconnect_delay: float
    ) -> None:
        self.hub, self.database_url = hub, database_url
        self.poll_interval, self.reconnect_delay = poll_interval, reconnect_delay
        self.listening = False
        self.announcements = 0

    def start(self) -> list[asyncio.Task]:
        return [
            asyncio.create_task(self._listen(), name="live-listen"),
            asyncio.create_task(self._poll(), name="live-poll"),
        ]

    async def _listen(self) -> None:
        # Flat pauses: the connection lives for days between failures.
        flat = Backoff(first=self.reconnect_delay, most=self.reconnect_delay)
        while True:  # a connection's notifies() end only with it
            await retry(
                self._listen_once,
                on=(psycopg.Error, OSError),
                what="live.listen_failed",
                backoff=flat,
            )

    async def _listen_once(self) -> None:
        try:
            async with await psycopg.AsyncConnection.connect(
                self.database_url, autocommit=True
            ) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                self.listening = True
                await self.check()  # whatever was committed while not listening
                async for notice in conn.notifies():
                    if announced := parse(notice.payload):
                        self.announcements += 1
                        self.hub.announce(
                            announced.schema, announced.position, announced.workspaces
                        )
        finally:
            self.listening = False

    async def check(self) -> None:
        """Announce, for any read model, a position the hub has not looked up to."""
        for schema, position in (await tracked_positions(self.hub.pool, self.hub.kinds)).items():
            if position != self.hub.looked_up_to(schema):
                self.hub.announce(schema, position, None)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            with contextlib.suppress(psycopg.Error, OSError):  # the next poll tries again
                await self.check()
                await self.end_revoked()

    async def end_revoked(self) -> None:
        """A stream lasts as long as its token: a revoked token's streams end."""
        subscriptions = self.hub.subscriptions()
        hashes = list({s.stream.token_hash for s in subscriptions if s.stream.token_hash})
        if not hashes:
            return
        async with self.hub.pool.connection() as conn:
            valid = await rows(
                conn,
                "SELECT token_hash FROM api_tokens WHERE token_hash = ANY(%s) "
                "AND revoked_at IS NULL",
                (hashes,),
            )
        still = {r["token_hash"] for r in valid}
        for s in subscriptions:
            if s.stream.token_hash and s.stream.token_hash not in still:
                s.stream.revoked = True
                s.wake.set()
