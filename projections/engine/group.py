"""Several read models fed as one: each batch read (or received) once, decoded once, and
applied to every model in one transaction.

Each model keeps its own tracking position (and partition watermark), so any of them can
still be rebuilt blue/green, or moved to a process of its own: the group locks every
model's tracking row, works out from where each one is what it has still to apply,
fills any gap once from the store for all of them, writes every model's rows in one
pipeline, saves each position and commits once. The live host and `rebuild --all` are
this same runner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from psycopg import AsyncConnection, AsyncCursor

from adapters.mapper import MsgspecMapper
from projections.engine.base import Projection, Recorded
from projections.engine.live import CHANNEL, announce, payload
from projections.engine.runner import ProjectionRunner
from projections.engine.source import Slot, max_position, read_batches


class AheadOfStore(RuntimeError):
    """Events claim positions the store does not have: nothing of the batch is applied."""


class GroupRunner:
    def __init__(
        self,
        projections: Sequence[Projection],
        mapper: MsgspecMapper | None = None,
        slot: Slot | None = None,
    ) -> None:
        self.mapper = mapper or MsgspecMapper()
        self.slot = slot
        # Tracking rows are always locked in the same order: two groups never deadlock.
        ordered = sorted(projections, key=lambda p: p.name)
        self.runners = [ProjectionRunner(p, self.mapper, slot) for p in ordered]
        self.gaps_filled = 0

    @property
    def projections(self) -> list[Projection]:
        return [r.projection for r in self.runners]

    def wants(self, wire_name: str) -> bool:
        """Does any model of the group read events of this wire name?"""
        return any(r.projection.wants(wire_name) for r in self.runners)

    async def apply(
        self,
        conn: AsyncConnection,
        batch: Sequence[tuple[int, Recorded]],
        upto: int = 0,
        head: int = 0,
    ) -> dict[str, int]:
        """Apply `(previous position, event)` pairs to every model, in one transaction;
        return each model's position. `upto` moves positions further when the caller knows
        nothing of this group's lies in between; `head` is the store's head as the caller
        last read it (it only grows: a position up to it needs no new look).

        Three round trips whatever the number of models: every tracking row locked by
        one statement, then every model's rows in one pipeline that ends with one statement
        for all the positions and announcements, then the commit (plus a look at the head,
        and any gap read from the store)."""
        async with conn.transaction():
            cur = conn.cursor()
            starts = await self._lock_all(conn)
            events, last = await self._contiguous(conn, batch, min(starts, default=0))
            last = max(last, upto)
            if last > max(starts, default=0) and last > head and last > await max_position(conn):
                raise AheadOfStore(f"position {last} is beyond the store's head")
            fresh = [
                [e for e in events if e.position > start and r.projection.wants(e.wire_name)]
                for r, start in zip(self.runners, starts, strict=True)
            ]
            fresh = [
                [e for e in mine if r.owns(e)] for r, mine in zip(self.runners, fresh, strict=True)
            ]
            async with conn.pipeline():
                for r, mine in zip(self.runners, fresh, strict=True):
                    if mine:
                        await r.projection.apply_all(cur, mine)
                await self._save_all(cur, starts, fresh, last)
        return {
            r.projection.name: max(start, last)
            for r, start in zip(self.runners, starts, strict=True)
        }

    async def _lock_all(self, conn: AsyncConnection) -> list[int]:
        """Every model's watermark, locked for the transaction, in one statement (the
        rows in name order: two groups never deadlock). A blue/green swap holds the lock
        (projections/engine/bluegreen.py): the statement waits, then reads the new schema."""
        if self.slot is not None:  # a tracking row and a partition row each
            async with conn.pipeline():
                sent = [await r._send_lock(conn) for r in self.runners]
                return [await r._locked(c) for r, c in zip(self.runners, sent, strict=True)]
        if not self.runners:
            return []
        locks = ", ".join(
            f"m{i} AS (SELECT {i} AS n, position, partitions, version FROM "
            f"{r.projection.schema}.tracking WHERE projection = %s FOR UPDATE)"
            for i, r in enumerate(self.runners)
        )
        rows = " UNION ALL ".join(f"SELECT * FROM m{i}" for i in range(len(self.runners)))
        names = [r.projection.name for r in self.runners]
        found = {
            n: row
            for n, *row in await (await conn.execute(f"WITH {locks} {rows}", names)).fetchall()
        }
        starts = []
        for i, r in enumerate(self.runners):
            r.check_version(found.get(i))
            starts.append(r.check_partitions(found.get(i)))
        return starts

    async def _save_all(
        self, cur: AsyncCursor, starts: list[int], fresh: list[list[Recorded]], last: int
    ) -> None:
        """Each model's new position, and the announcement that wakes the live subscribers
        of its new rows (sent at commit), in one statement."""
        if self.slot is not None:
            for r, start, mine in zip(self.runners, starts, fresh, strict=True):
                if last > start:
                    await r._save(cur, last)
                if mine:
                    workspaces = {e.meta.workspace_id for e in mine}
                    await announce(cur, r.projection.schema, last, workspaces)
            return
        saves, notes, params = [], [], []
        for i, (r, start) in enumerate(zip(self.runners, starts, strict=True)):
            if last > start:
                saves.append(
                    f"s{i} AS (UPDATE {r.projection.schema}.tracking SET position = %s, "
                    "updated_at = now() WHERE projection = %s)"
                )
                params += [last, r.projection.name]
        for r, mine in zip(self.runners, fresh, strict=True):
            if mine:
                notes.append("pg_notify(%s, %s)")
                workspaces = {e.meta.workspace_id for e in mine}
                params += [CHANNEL, payload(r.projection.schema, last, workspaces)]
        if saves or notes:
            with_saves = f"WITH {', '.join(saves)} " if saves else ""
            await cur.execute(f"{with_saves}SELECT {', '.join(notes) or '1'}", params)

    async def _contiguous(
        self, conn: AsyncConnection, batch: Sequence[tuple[int, Recorded]], low: int
    ) -> tuple[list[Recorded], int]:
        """The batch's events after `low`, with what lies between them read from the store
        (once, for every model), oldest first; and the last position covered."""
        events: list[Recorded] = []
        last = low
        for previous, recorded in batch:
            if recorded.position <= last:
                continue  # every model has it already
            if previous > last:
                async for missing in read_batches(
                    conn, self.mapper, last, previous, slot=self.slot, wants=self.wants
                ):
                    events.extend(missing)
                    self.gaps_filled += len(missing)
            events.append(recorded)
            last = recorded.position
        return events, last

    async def positions(self, conn: AsyncConnection) -> dict[str, int]:
        return {r.projection.name: await r.position(conn) for r in self.runners}

    async def catch_up(
        self,
        conn: AsyncConnection,
        upto: int | None = None,
        batch: int = 5000,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, int]:
        """Apply everything in the store up to `upto` (default: its head) to every model,
        reading and decoding each batch once for all of them."""
        positions = await self.positions(conn)
        head = await max_position(conn)
        target = upto if upto is not None else head
        after = min(positions.values(), default=target)
        async for events in read_batches(
            conn, self.mapper, after, target, batch, self.slot, self.wants
        ):
            previous = [after] + [e.position for e in events[:-1]]
            pairs = list(zip(previous, events, strict=True))
            positions = await self.apply(conn, pairs, head=head)
            after = events[-1].position
            if progress:
                progress(len(events), after)
        return await self.apply(conn, [], upto=target, head=head)
