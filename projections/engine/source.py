"""Read stored events straight from the event store, in large batches, all of them or
one partition's (`Slot`: the workspaces hashed to one partition of the events stream).

Decoding a batch reads the subject keys its sealed values name, once per batch and fresh
each time (adapters/keys.py): a key destroyed since reads as erased at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import msgspec
from eventsourcing.persistence import StoredEvent
from psycopg import AsyncConnection

from adapters import bus
from adapters.chain import workspace_of
from adapters.eventstore import reads
from adapters.keys import Keys, fetch_keys
from adapters.mapper import MsgspecMapper
from adapters.sealing import key_ids
from projections.engine.base import Recorded

Wants = Callable[[str], bool]  # does the reader need the events of this wire name?


@dataclass(frozen=True)
class Slot:
    """Partition `index` of `count`: the events of the workspaces that hash to it."""

    index: int
    count: int

    def owns(self, workspace_id: str) -> bool:
        return bus.partition_of(workspace_id, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def decode(
    mapper: MsgspecMapper,
    position: int,
    aggregate_id,
    version: int,
    topic: str,
    state: bytes,
    keys: Keys | None = None,
) -> Recorded:
    stored = StoredEvent(aggregate_id, version, topic, bytes(state))
    return Recorded(position, aggregate_id, version, topic, mapper.to_domain_event(stored, keys))


async def keys_for(conn: AsyncConnection, states) -> Keys:
    """The keys the sealed values of these stored states name, read now."""
    return await fetch_keys(conn, (i for state in states for i in key_ids(bytes(state))))


def skipped(position: int, aggregate_id, version: int, wire_name: str) -> Recorded:
    """An event its reader does not want: its place in the log, never decoded."""
    return Recorded(position, aggregate_id, version, wire_name, None)


async def decode_rows(
    conn: AsyncConnection, mapper: MsgspecMapper, rows: list, wants: Wants | None = None
) -> list[Recorded]:
    """Decode stored rows (position, aggregate id, version, wire name, state); with
    `wants`, only those of the wire names it wants (the others come back `skipped`)."""
    if wants is None:
        keys = await keys_for(conn, (row[4] for row in rows))
        return [decode(mapper, *row[:5], keys) for row in rows]
    wanted = [wants(row[3]) for row in rows]
    keys = await keys_for(conn, (row[4] for row, w in zip(rows, wanted, strict=True) if w))
    return [
        decode(mapper, *row[:5], keys) if w else skipped(*row[:4])
        for row, w in zip(rows, wanted, strict=True)
    ]


async def max_position(conn: AsyncConnection) -> int:
    return await reads.head(conn)


async def read_rows(
    conn: AsyncConnection, after: int, upto: int, batch: int = 5000, slot: Slot | None = None
) -> AsyncIterator[list[tuple]]:
    """Yield stored rows (position, aggregate id, version, wire name, state), undecoded."""
    while after < upto:
        rows = await reads.between(conn, after, upto, batch)
        if not rows:
            return
        after = rows[-1][0]
        if slot is not None:
            rows = [row for row in rows if slot.owns(workspace_of(bytes(row[4])))]
        if rows:
            yield rows


async def read_batches(
    conn: AsyncConnection,
    mapper: MsgspecMapper,
    after: int,
    upto: int,
    batch: int = 5000,
    slot: Slot | None = None,
    wants: Wants | None = None,
) -> AsyncIterator[list[Recorded]]:
    """Yield the events in (after, upto], oldest first, `batch` at a time (fewer, when only
    a slot's are kept); with `wants`, the unwanted ones `skipped`."""
    async for rows in read_rows(conn, after, upto, batch, slot):
        yield await decode_rows(conn, mapper, rows, wants)


async def read_ahead(batches: AsyncIterator[list[Recorded]]) -> AsyncIterator[list[Recorded]]:
    """The same batches, each next one read and decoded while the caller works on the one
    it has: while PostgreSQL writes a batch's rows, Python decodes the next batch instead of
    waiting (the reads must go over a connection of their own). One batch more in memory.
    Close it (`contextlib.aclosing`): a caller that stops early leaves no read running."""
    upcoming = asyncio.ensure_future(anext(batches, None))
    try:
        while (current := await upcoming) is not None:
            upcoming = asyncio.ensure_future(anext(batches, None))
            yield current
    finally:
        if not upcoming.done():
            upcoming.cancel()
        await asyncio.gather(upcoming, return_exceptions=True)
        await batches.aclose()


class _Recorded(msgspec.Struct):
    timestamp: datetime


async def backlog(
    conn: AsyncConnection, after: int, slot: Slot | None = None
) -> tuple[int, datetime | None]:
    """How many stored events come after `after` (in the slot), and when the oldest of them
    was recorded (None: none)."""
    if slot is None:
        count, oldest = await reads.count_after(conn, after)
    else:  # per workspace, from the chain's rows: no event has to be read for it
        cur = await conn.execute(
            "SELECT workspace_id, count(*), min(notification_id) FROM event_chain "
            "WHERE notification_id > %s GROUP BY workspace_id",
            (after,),
        )
        owned = [(n, first) for ws, n, first in await cur.fetchall() if slot.owns(ws)]
        count = sum(n for n, _ in owned)
        oldest = min((first for _, first in owned), default=None)
    if not count:
        return 0, None
    state = await reads.state_at(conn, oldest)
    return count, msgspec.json.decode(state, type=_Recorded).timestamp


async def projection_lag(conn: AsyncConnection, projection) -> tuple[int, datetime | None]:
    """Events the projection has still to apply (each partition counting its own), and
    when the oldest of them was recorded."""
    marks = await projection.watermarks(conn)
    if None in marks:
        return await backlog(conn, marks[None])
    found = [await backlog(conn, w, Slot(i, len(marks))) for i, w in marks.items()]
    return sum(n for n, _ in found), min((t for _, t in found if t), default=None)
