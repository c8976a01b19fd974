"""The fan-out hub: one LISTEN connection for the whole API process, many subscribers.

Announcements are coalesced wake-ups, never data. Each subscriber has an `asyncio.Event`;
the hub sets it when the subscriber's read model *may* hold something after the
subscriber's position. To decide that for many subscribers at once, a cycle runs one
probe query per kind of stream over the subscribers of the announced workspaces. A
subscriber reads its read model itself (see `feed.py`), so a lost announcement, a
dropped LISTEN connection or a probe that failed delays an entry until the next slow
poll (`CHRONICLE_LIVE_POLL_INTERVAL`), and loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

import psycopg
import structlog
from psycopg_pool import AsyncConnectionPool

from projections.live import CHANNEL, parse
from services.api.live.streams import Stream, StreamPosition

log = structlog.get_logger()
EVERY_WORKSPACE = None
PROBE_CHUNK = 2000


class HubFull(Exception):
    """The API process already serves its maximum number of live subscribers."""


class Subscription:
    def __init__(self, stream: Stream, position: StreamPosition) -> None:
        self.stream = stream
        self.position = position
        self.wake = asyncio.Event()


class LiveHub:
    def __init__(
        self,
        database_url: str,
        pool: AsyncConnectionPool,
        *,
        poll_interval: float,
        max_subscribers: int,
        reconnect_delay: float = 1.0,
    ) -> None:
        self.database_url, self.pool = database_url, pool
        self.poll_interval, self.max_subscribers = poll_interval, max_subscribers
        self.reconnect_delay = reconnect_delay
        self.listening = False
        self.announcements = self.cycles = 0
        self._by_schema: dict[str, set[Subscription]] = defaultdict(set)
        self._pending: dict[str, set[str] | None] = {}
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    @property
    def subscribers(self) -> int:
        return sum(len(subs) for subs in self._by_schema.values())

    def subscribe(self, stream: Stream, position: StreamPosition) -> Subscription:
        if self.subscribers >= self.max_subscribers:
            raise HubFull(f"at most {self.max_subscribers} live subscribers per API process")
        subscription = Subscription(stream, position)
        self._by_schema[stream.schema].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._by_schema[subscription.stream.schema].discard(subscription)

    async def start(self) -> None:
        for loop in (self._listen, self._poll, self._cycle):
            self._tasks.append(asyncio.create_task(loop(), name=f"live-hub{loop.__name__}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _mark(self, schema: str | None, workspaces: frozenset[str] | None) -> None:
        for name in [schema] if schema else list(self._by_schema):
            if workspaces is EVERY_WORKSPACE or self._pending.get(name, set()) is None:
                self._pending[name] = EVERY_WORKSPACE
            else:
                self._pending.setdefault(name, set()).update(workspaces)
        self._dirty.set()

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.database_url, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening = True
                    self._mark(None, EVERY_WORKSPACE)  # whatever came while not listening
                    async for notice in conn.notifies():
                        if announced := parse(notice.payload):
                            self.announcements += 1
                            self._mark(announced.schema, announced.workspaces)
            except (psycopg.Error, OSError) as error:
                log.warning("live.listen_failed", error=repr(error))
            finally:
                self.listening = False
            await asyncio.sleep(self.reconnect_delay)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            self._mark(None, EVERY_WORKSPACE)

    async def _cycle(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            pending, self._pending = self._pending, {}
            try:
                await self._wake(pending)
                self.cycles += 1
            except (psycopg.Error, OSError) as error:
                log.warning("live.probe_failed", error=repr(error))
                for name, workspaces in pending.items():
                    self._mark(name, None if workspaces is None else frozenset(workspaces))
                await asyncio.sleep(self.reconnect_delay)

    async def _wake(self, pending: dict[str, set[str] | None]) -> None:
        kinds: dict[type[Stream], list[Subscription]] = defaultdict(list)
        for schema, workspaces in pending.items():
            for s in self._by_schema.get(schema, ()):
                if not s.wake.is_set() and (
                    workspaces is EVERY_WORKSPACE or s.stream.workspace_id in workspaces
                ):
                    kinds[type(s.stream)].append(s)
        if not kinds:
            return
        async with self.pool.connection() as conn:
            for kind, subs in kinds.items():
                for start in range(0, len(subs), PROBE_CHUNK):
                    chunk = subs[start : start + PROBE_CHUNK]
                    keyed = [
                        (i, s.stream.probe_key(), s.position.probe_floor)
                        for i, s in enumerate(chunk)
                    ]
                    for i in await kind.probe(conn, keyed):
                        chunk[i].wake.set()
