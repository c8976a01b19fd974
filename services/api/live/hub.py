"""The fan-out hub: one LISTEN connection for the whole API process (`watch.py`), many
subscribers.

Announcements are coalesced wake-ups, never data. For each read model the hub knows how
far it has looked (`scanned`) and how far the read model has committed (`target`, from
announcements and from a slow poll of its tracking row). A cycle asks each read model,
in one query, which streams the transactions in (scanned, target] touched, and sets the
wake flag of their subscribers: a subscriber that follows nothing that changed costs
nothing. Each subscriber then reads its read model itself (see `feed.py`), so a lost
announcement, a dropped LISTEN connection or a failed query delays an entry until the
next poll (`CHRONICLE_LIVE_POLL_INTERVAL`) and loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict

import psycopg
import structlog
from psycopg_pool import AsyncConnectionPool

from projections.shared.streams import Stream, StreamPosition
from services.api.live.watch import Watcher, tracked_positions

log = structlog.get_logger()
# past this many positions in one cycle, wake everyone rather than list what changed
WIDEST_SCAN = 200_000


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
        kinds: list[type[Stream]],
        *,
        poll_interval: float,
        max_subscribers: int,
        max_per_token: int | None = None,
        max_per_workspace: int | None = None,
        reconnect_delay: float = 1.0,
    ) -> None:
        self.pool = pool
        self.kinds = {kind.schema: kind for kind in kinds}
        self.max_subscribers = max_subscribers
        # One caller cannot take the whole allowance from everyone else.
        self.max_per_token = max_per_token or max_subscribers
        self.max_per_workspace = max_per_workspace or max_subscribers
        self.by_token: Counter[str | None] = Counter()
        self.by_workspace: Counter[str] = Counter()
        self.reconnect_delay = reconnect_delay
        self.watcher = Watcher(self, database_url, poll_interval, reconnect_delay)
        self.subscribers = 0
        self.cycles = 0
        self._by_key: dict[str, dict[tuple, set[Subscription]]] = defaultdict(dict)
        self._scanned: dict[str, int] = {}
        self._target: dict[str, int] = {}
        self._workspaces: dict[str, set[str] | None] = {}
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    def refusal(self, stream: Stream) -> tuple[int, str] | None:
        """(HTTP status, why) when the stream may not be opened now; None when it may."""
        if self.subscribers >= self.max_subscribers:
            return 503, f"at most {self.max_subscribers} live subscribers per API process"
        if self.by_token[stream.token_hash] >= self.max_per_token:
            return 429, f"at most {self.max_per_token} live streams per token"
        if self.by_workspace[stream.scope.workspace_id] >= self.max_per_workspace:
            return 429, f"at most {self.max_per_workspace} live streams per workspace"
        return None

    def subscribe(self, stream: Stream, position: StreamPosition) -> Subscription:
        refused = self.refusal(stream)
        if refused:
            raise HubFull(refused[1])
        subscription = Subscription(stream, position)
        self._by_key[stream.schema].setdefault(stream.key(), set()).add(subscription)
        self.subscribers += 1
        self.by_token[stream.token_hash] += 1
        self.by_workspace[stream.scope.workspace_id] += 1
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        stream = subscription.stream
        following = self._by_key[stream.schema].get(stream.key(), set())
        if subscription in following:
            following.discard(subscription)
            self.subscribers -= 1
            self.by_token[stream.token_hash] -= 1
            self.by_workspace[stream.scope.workspace_id] -= 1
            if not following:
                del self._by_key[stream.schema][stream.key()]

    def subscriptions(self) -> list[Subscription]:
        return [s for by_key in self._by_key.values() for subs in by_key.values() for s in subs]

    def looked_up_to(self, schema: str) -> int | None:
        return self._scanned.get(schema)

    async def start(self) -> None:
        self._scanned = await tracked_positions(self.pool, self.kinds)
        self._tasks.append(asyncio.create_task(self._cycle(), name="live-hub-cycle"))
        self._tasks += self.watcher.start()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def announce(self, schema: str, position: int, workspaces: frozenset[str] | None) -> None:
        """The read model `schema` committed up to `position` (in `workspaces`; None:
        unknown): its streams may have news."""
        if schema not in self.kinds:
            return  # another read model, or a rebuild in another schema
        self._target[schema] = max(self._target.get(schema, 0), position)
        named = self._workspaces.get(schema, set())
        self._workspaces[schema] = (
            None if named is None or workspaces is None else named | workspaces
        )
        self._dirty.set()

    async def _cycle(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            for schema in list(self._target):
                try:
                    await self._wake(schema)
                except (psycopg.Error, OSError) as error:
                    log.warning("live.changes_failed", schema=schema, error=repr(error))
                    await asyncio.sleep(self.reconnect_delay)
                    self._dirty.set()
            self.cycles += 1

    async def _wake(self, schema: str) -> None:
        target, scanned = self._target[schema], self._scanned.get(schema, 0)
        workspaces = self._workspaces.get(schema, set())
        following = self._by_key[schema]
        if not following or target == scanned:
            keys: set[tuple] | None = set()
        elif target < scanned or target - scanned > WIDEST_SCAN:  # rebuilt, or far behind
            keys = None
        else:
            async with self.pool.connection() as conn:
                named = None if workspaces is None else frozenset(workspaces)
                keys = await self.kinds[schema].changes(conn, scanned, target, named)
        self._scanned[schema] = target
        if self._target.get(schema) == target:  # else announced meanwhile: next cycle
            del self._target[schema]
            self._workspaces.pop(schema, None)
        for key in following if keys is None else keys & following.keys():
            for subscription in following[key]:
                subscription.wake.set()
