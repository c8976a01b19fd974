"""Reads for many subscribers at once.

The hub wakes every subscriber a cycle concerns in one go; each then asks the reader for
its next items. The reader waits for the event loop to turn once, so that all of them
have asked, and serves the requests of one batch key (same kind of stream, same
effective scope, same filters) with one query: a hundred busy dashboards cost one
round trip per projector transaction, not a hundred; and streams that follow the same
record from the same position share one result.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from psycopg_pool import AsyncConnectionPool

from projections.shared.streams import Item, Stream, StreamPosition

Request = tuple[Stream, StreamPosition, asyncio.Future]


class Reader:
    def __init__(self, pool: AsyncConnectionPool, limit: int) -> None:
        self.pool, self.limit = pool, limit
        self.queries = 0
        self.waiting = 0  # subscribers waiting for their read right now
        self._pending: dict[tuple, list[Request]] = defaultdict(list)
        self._flushing: asyncio.Task | None = None

    async def read(self, stream: Stream, after: StreamPosition) -> list[Item]:
        """Up to `limit` items of `stream` after `after` (see Stream.read_many)."""
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending[stream.batch_key()].append((stream, after, done))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush())
        self.waiting += 1
        try:
            return await done
        finally:
            self.waiting -= 1

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let every subscriber woken with the first one ask
        pending, self._pending, self._flushing = self._pending, defaultdict(list), None
        try:
            async with self.pool.connection() as conn:
                for requests in pending.values():
                    await self._serve(conn, requests)
        except Exception as error:  # the pool or the database: every reader sees it
            for requests in pending.values():
                for _, _, done in requests:
                    if not done.done():
                        done.set_exception(error)

    async def _serve(self, conn, requests: list[Request]) -> None:
        live = [r for r in requests if not r[2].cancelled()]  # a client gone meanwhile
        if not live:
            return
        # streams of one batch key that follow the same thing from the same position get
        # the same items: read them once (many dashboards on one grid, say)
        shared: dict[tuple, int] = {}
        distinct: list[tuple[Stream, StreamPosition]] = []
        for stream, position, _ in live:
            if shared.setdefault((stream.key(), position), len(distinct)) == len(distinct):
                distinct.append((stream, position))
        found = await type(distinct[0][0]).read_many(conn, distinct, self.limit)
        self.queries += 1
        for stream, position, done in live:
            origin = shared[(stream.key(), position)]
            stream.ended = stream.ended or distinct[origin][0].ended
            if not done.done():
                done.set_result(found[origin])
