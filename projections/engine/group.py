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
from contextlib import aclosing

from psycopg import AsyncConnection

from adapters.mapper import MsgspecMapper
from projections.engine.base import Projection, Recorded, erases
from projections.engine.runner import ProjectionRunner
from projections.engine.source import Slot, max_position, read_ahead, read_batches
from projections.engine.tracking import lock_all, save_all


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
            starts = await lock_all(conn, self.runners, self.slot)
            events, last = await self._contiguous(conn, batch, min(starts, default=0))
            last = max(last, upto)
            if last > max(starts, default=0) and last > head and last > await max_position(conn):
                raise AheadOfStore(f"position {last} is beyond the store's head")
            names = {e.wire_name for e in events}
            fresh = self._fresh(events, names, starts)
            # erasures split a model's batch (Projection.apply_all): looked for once here
            erasing = any(map(erases, names))
            async with conn.pipeline():
                for r, mine in zip(self.runners, fresh, strict=True):
                    if mine and erasing:
                        await r.projection.apply_all(cur, mine)
                    elif mine:
                        await r.projection.apply(cur, mine)
                await save_all(cur, self.runners, self.slot, starts, fresh, last)
        return {
            r.projection.name: max(start, last)
            for r, start in zip(self.runners, starts, strict=True)
        }

    def _fresh(
        self, events: list[Recorded], names: set[str], starts: list[int]
    ) -> list[list[Recorded]]:
        """Each model's share of the events: those after its position that it reads (and,
        in a partition, owns). What a model reads is asked once per wire name of the batch
        (`names`), not once per event."""
        fresh = []
        for r, start in zip(self.runners, starts, strict=True):
            reads = {name for name in names if r.projection.wants(name)}
            mine = [e for e in events if e.wire_name in reads and e.position > start]
            if self.slot is not None:
                mine = [e for e in mine if r.owns(e)]
            fresh.append(mine)
        return fresh

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
        source: AsyncConnection | None = None,
    ) -> dict[str, int]:
        """Apply everything in the store up to `upto` (default: its head) to every model,
        reading and decoding each batch once for all of them; with a `source` connection,
        the store is read over it, each next batch while the current one is written."""
        positions = await self.positions(conn)
        head = await max_position(conn)
        target = upto if upto is not None else head
        after = min(positions.values(), default=target)
        batches = read_batches(
            source or conn, self.mapper, after, target, batch, self.slot, self.wants
        )
        async with aclosing(read_ahead(batches) if source else batches) as each:
            async for events in each:
                previous = [after] + [e.position for e in events[:-1]]
                pairs = list(zip(previous, events, strict=True))
                positions = await self.apply(conn, pairs, head=head)
                after = events[-1].position
                if progress:
                    progress(len(events), after)
        return await self.apply(conn, [], upto=target, head=head)
