"""Build several projections from the event store in one pass over it.

Each projection rebuilt on its own reads the whole log and decodes every event it wants:
eight read models decode most events eight times, and decoding (msgspec, opening sealed
values) is a large share of a rebuild's work. Here each batch is read once and decoded
once (the events some projection wants), then applied to every projection, each in its
own transaction on its own connection, concurrently: while PostgreSQL writes one
projection's rows, Python builds the next one's. Each keeps its own tracking position, so
a pass that stops is resumed by any runner, together or alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from psycopg import AsyncConnection

from adapters.mapper import MsgspecMapper
from projections.engine.base import Projection, Recorded
from projections.engine.runner import ProjectionRunner
from projections.engine.source import decode_rows, max_position, read_rows


async def catch_up_together(
    database_url: str,
    projections: Sequence[Projection],
    upto: int | None = None,
    batch: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Apply everything in the store up to `upto` (default: its head) to each of
    `projections` (schemas created); returns each one's position (by name)."""
    mapper = MsgspecMapper()
    reader = await AsyncConnection.connect(database_url, autocommit=True)
    writers = [await AsyncConnection.connect(database_url, autocommit=True) for _ in projections]
    try:
        runners = [ProjectionRunner(p, mapper) for p in projections]
        positions = [await r.position(c) for r, c in zip(runners, writers, strict=True)]
        target = upto if upto is not None else await max_position(reader)

        def wanted(wire_name: str) -> bool:
            return any(p.wants(wire_name) for p in projections)

        previous = min(positions, default=target)
        async for rows in read_rows(reader, previous, target, batch):
            events = await decode_rows(reader, mapper, rows, wanted)
            pairs = _chained(previous, events)
            positions = await asyncio.gather(
                *(r.apply(c, pairs) for r, c in zip(runners, writers, strict=True))
            )
            previous = events[-1].position
            if progress:
                progress(len(events), previous)
        positions = await asyncio.gather(
            *(r.apply(c, [], upto=target) for r, c in zip(runners, writers, strict=True))
        )
        return {p.name: n for p, n in zip(projections, positions, strict=True)}
    finally:
        for conn in (reader, *writers):
            await conn.close()


def _chained(previous: int, events: list[Recorded]) -> list[tuple[int, Recorded]]:
    """(the position before, event): contiguous, so no runner sees a gap to fill."""
    before = [previous] + [e.position for e in events[:-1]]
    return list(zip(before, events, strict=True))
