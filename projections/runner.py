"""Apply events to a projection exactly once and in order, whatever the transport did.

Events normally arrive from the bus. Each carries the position of the event before it;
if that is ahead of what the projection has applied, the events in between are read
from the event store in the same transaction. A redelivered or repeated event is at or
below the tracked position and is skipped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from psycopg import AsyncConnection

from adapters.mapper import MsgspecMapper
from projections.base import Projection, Recorded
from projections.source import decode, max_position, read_batches, read_rows

# park(conn, (position, aggregate_id, version, wire_name, state), error)
Park = Callable[[AsyncConnection, tuple, Exception], Awaitable[None]]


class ProjectionRunner:
    def __init__(self, projection: Projection, mapper: MsgspecMapper | None = None) -> None:
        self.projection = projection
        self.mapper = mapper or MsgspecMapper()
        self.gaps_filled = 0

    async def apply(self, conn: AsyncConnection, batch: Sequence[tuple[int, Recorded]]) -> int:
        """Apply `(previous_position, event)` pairs; return the new tracked position."""
        p = self.projection
        async with conn.transaction():
            cur = conn.cursor()
            await cur.execute(
                f"SELECT position FROM {p.schema}.tracking WHERE projection = %s FOR UPDATE",
                (p.name,),
            )
            start = last = (await cur.fetchone())[0]
            fresh: list[Recorded] = []
            for previous, recorded in batch:
                if recorded.position <= last:
                    continue
                if previous > last:
                    async for missing in read_batches(conn, self.mapper, last, previous):
                        fresh.extend(missing)
                        self.gaps_filled += len(missing)
                fresh.append(recorded)
                last = recorded.position
            if fresh:
                # Pipeline mode: the projection's statements go out without waiting for each
                # result (a read waits only for what it reads), in order, in this transaction.
                async with conn.pipeline():
                    await p.apply(cur, fresh)
                await cur.execute(
                    f"UPDATE {p.schema}.tracking SET position = %s, updated_at = now() "
                    "WHERE projection = %s",
                    (last, p.name),
                )
        return max(start, last)

    async def apply_isolating(self, conn: AsyncConnection, upto: int, park: Park) -> int:
        """Apply the stored events after the tracked position up to `upto`, one per
        transaction, straight from the store. An event that cannot be decoded or applied is
        handed to `park`, which records it in that event's transaction as the position moves
        past it: one bad event cannot stop the others."""
        p = self.projection
        position = await p.position(conn)
        async for rows in read_rows(conn, position, upto):
            for row in rows:
                try:
                    event = decode(self.mapper, *row)
                    position = await self.apply(conn, [(position, event)])
                except Exception as error:  # a bug for this event: isolate it, go on
                    async with conn.transaction():
                        await park(conn, row, error)
                        await conn.execute(
                            f"UPDATE {p.schema}.tracking SET position = %s, updated_at = now() "
                            "WHERE projection = %s",
                            (row[0], p.name),
                        )
                    position = row[0]
        return position

    async def catch_up(
        self,
        conn: AsyncConnection,
        upto: int | None = None,
        batch: int = 5000,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Apply everything in the store up to `upto` (default: all), reading in bulk."""
        position = await self.projection.position(conn)
        target = upto if upto is not None else await max_position(conn)
        async for events in read_batches(conn, self.mapper, position, target, batch):
            previous = [position] + [e.position for e in events[:-1]]
            position = await self.apply(conn, list(zip(previous, events, strict=True)))
            if progress:
                progress(len(events), position)
        return position
