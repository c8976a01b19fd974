"""Apply events to a projection exactly once and in order, whatever the transport did.

Events normally arrive from the bus. Each carries the position of the event before it
(in its partition, when the events stream is partitioned); if that is ahead of what the
projection has applied, the events in between are read from the event store in the same
transaction. A redelivered or repeated event is at or below the tracked position and is
skipped. A runner with a `Slot` applies one partition's events and tracks its watermark.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from psycopg import AsyncConnection, AsyncCursor

from adapters.mapper import MsgspecMapper
from projections.engine.base import Projection, Recorded, VersionMismatch
from projections.engine.live import announce
from projections.engine.source import Slot, decode_rows, max_position, read_batches, read_rows

# park(conn, (position, aggregate_id, version, wire_name, state), error)
Park = Callable[[AsyncConnection, tuple, Exception], Awaitable[None]]


class PartitioningChanged(RuntimeError):
    """The projection is now partitioned differently from this runner: it must not apply."""


class ProjectionRunner:
    def __init__(
        self,
        projection: Projection,
        mapper: MsgspecMapper | None = None,
        slot: Slot | None = None,
    ) -> None:
        self.projection = projection
        self.mapper = mapper or MsgspecMapper()
        self.slot = slot
        self.gaps_filled = 0

    async def _lock(self, cur: AsyncCursor) -> int:
        """Lock this runner's watermark for the transaction and return it.

        The first statement of every write locks the tracking row: during a blue/green
        swap (projections/engine/bluegreen.py) it waits on the lock the swap holds, then
        resolves the schema's name again (the new one). Partition workers share that row
        (FOR SHARE) and each locks its own partition's row."""
        return await self._locked(await self._send_lock(cur.connection))

    async def _send_lock(self, conn: AsyncConnection) -> list[AsyncCursor]:
        """Send the locking statements, each on a cursor of its own, without waiting: in
        pipeline mode a group sends every model's at once (one round trip for all)."""
        p, slot = self.projection, self.slot
        tracking = conn.cursor()
        await tracking.execute(
            f"SELECT position, partitions, version FROM {p.schema}.tracking "
            f"WHERE projection = %s FOR {'UPDATE' if slot is None else 'SHARE'}",
            (p.name,),
        )
        if slot is None:
            return [tracking]
        partition = conn.cursor()
        await partition.execute(
            f"SELECT position, partitions FROM {p.schema}.partitions WHERE partition = %s "
            "FOR UPDATE",
            (slot.index,),
        )
        return [tracking, partition]

    async def _locked(self, cursors: list[AsyncCursor]) -> int:
        """The watermark `_send_lock`'s statements locked."""
        row = await cursors[0].fetchone()
        self.check_version(row)
        if self.slot is not None:
            row = await cursors[1].fetchone()
        return self.check_partitions(row)

    def check_version(self, tracking: tuple | None) -> None:
        """The schema's tracking row (position, partitions, version) is this code's."""
        if tracking is not None and tracking[2] != self.projection.version:
            raise VersionMismatch(self.projection.schema, tracking[2], self.projection.version)

    def check_partitions(self, row: tuple | None) -> int:
        """The watermark of a locked (position, partitions) row, in as many partitions as
        this runner works in."""
        expected = self.slot.count if self.slot else 1
        if row is None or row[1] != expected:
            raise PartitioningChanged(
                f"{self.projection.name} is not in {expected} partition(s) any more: restart "
                "this worker with the current CHRONICLE_PROJECTOR_PARTITIONS"
            )
        return row[0]

    async def _save(self, cur: AsyncCursor, position: int) -> None:
        p = self.projection
        if self.slot is None:
            await cur.execute(
                f"UPDATE {p.schema}.tracking SET position = %s, updated_at = now() "
                "WHERE projection = %s",
                (position, p.name),
            )
        else:
            await cur.execute(
                f"UPDATE {p.schema}.partitions SET position = %s, updated_at = now() "
                "WHERE partition = %s",
                (position, self.slot.index),
            )

    def owns(self, recorded: Recorded) -> bool:
        return self.slot is None or self.slot.owns(recorded.meta.workspace_id)

    async def apply(
        self, conn: AsyncConnection, batch: Sequence[tuple[int, Recorded]], upto: int = 0
    ) -> int:
        """Apply `(previous_position, event)` pairs; return the new tracked position. An
        event of another slot only moves the watermark (after the gap before it is filled);
        `upto` moves it further when the caller knows nothing of ours lies in between."""
        p = self.projection
        async with conn.transaction():
            cur = conn.cursor()
            start = last = await self._lock(cur)
            fresh: list[Recorded] = []
            for previous, recorded in batch:
                if recorded.position <= last:
                    continue
                if previous > last:
                    async for missing in read_batches(
                        conn, self.mapper, last, previous, slot=self.slot, wants=p.wants
                    ):
                        fresh.extend(m for m in missing if p.wants(m.wire_name))
                        self.gaps_filled += len(missing)
                if p.wants(recorded.wire_name) and self.owns(recorded):
                    fresh.append(recorded)
                last = recorded.position
            last = max(last, upto)
            if fresh:
                # Pipeline mode: the projection's statements go out without waiting for each
                # result (a read waits only for what it reads), in order, in this transaction.
                async with conn.pipeline():
                    await p.apply_all(cur, fresh)
            if last > start:
                await self._save(cur, last)
            if fresh:  # the transaction's commit wakes the live subscribers of these rows
                await announce(cur, p.schema, last, {r.meta.workspace_id for r in fresh})
        return max(start, last)

    async def advance_idle(self, conn: AsyncConnection) -> int:
        """Move a slot's watermark to the store's head when nothing of the slot lies in
        between (a quiet partition would otherwise keep an old watermark: a long catch-up
        read after a restart, and a projection position behind the head)."""
        if self.slot is None:
            return await self.position(conn)
        async with conn.transaction():
            cur = conn.cursor()
            watermark = await self._lock(cur)
            head = await max_position(conn)
            await cur.execute(
                "SELECT DISTINCT workspace_id FROM event_chain "
                "WHERE notification_id > %s AND notification_id <= %s",
                (watermark, head),
            )
            if head > watermark and not any(self.slot.owns(ws) for (ws,) in await cur.fetchall()):
                await self._save(cur, head)
                return head
        return watermark

    async def position(self, conn: AsyncConnection) -> int:
        async with conn.transaction():
            return await self._lock(conn.cursor())

    async def apply_isolating(self, conn: AsyncConnection, upto: int, park: Park) -> int:
        """Apply the stored events after the tracked position up to `upto`, one per
        transaction, straight from the store. An event that cannot be decoded or applied is
        handed to `park`, which records it in that event's transaction as the position moves
        past it: one bad event cannot stop the others."""
        position = await self.position(conn)
        async for rows in read_rows(conn, position, upto, slot=self.slot):
            for row in rows:
                try:
                    [event] = await decode_rows(conn, self.mapper, [row], self.projection.wants)
                    position = await self.apply(conn, [(position, event)])
                except (VersionMismatch, PartitioningChanged):
                    raise  # not this event's fault: nothing may be written at all
                except Exception as error:  # a bug for this event: isolate it, go on
                    async with conn.transaction():
                        await self._lock(conn.cursor())
                        await park(conn, row, error)
                        await self._save(conn.cursor(), row[0])
                        await announce(conn.cursor(), self.projection.schema, row[0], ())
                    position = row[0]
        return await self.apply(conn, [], upto=upto)

    async def catch_up(
        self,
        conn: AsyncConnection,
        upto: int | None = None,
        batch: int = 5000,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Apply everything in the store up to `upto` (default: all), reading in bulk."""
        position = await self.position(conn)
        target = upto if upto is not None else await max_position(conn)
        async for events in read_batches(
            conn, self.mapper, position, target, batch, self.slot, self.projection.wants
        ):
            previous = [position] + [e.position for e in events[:-1]]
            position = await self.apply(conn, list(zip(previous, events, strict=True)))
            if progress:
                progress(len(events), position)
        return await self.apply(conn, [], upto=target)
