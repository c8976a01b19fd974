"""Read stored events straight from the event store, in large batches."""

from __future__ import annotations

from collections.abc import AsyncIterator

from eventsourcing.persistence import StoredEvent
from psycopg import AsyncConnection

from adapters.eventstore import EVENTS_TABLE
from adapters.mapper import MsgspecMapper
from projections.base import Recorded

_SELECT = (
    f"SELECT notification_id, originator_id, originator_version, topic, state "
    f"FROM {EVENTS_TABLE} WHERE notification_id > %s AND notification_id <= %s "
    f"ORDER BY notification_id LIMIT %s"
)


def decode(
    mapper: MsgspecMapper, position: int, aggregate_id, version: int, topic: str, state: bytes
) -> Recorded:
    event = mapper.to_domain_event(StoredEvent(aggregate_id, version, topic, bytes(state)))
    return Recorded(position, aggregate_id, version, topic, event)


async def max_position(conn: AsyncConnection) -> int:
    cur = await conn.execute(f"SELECT max(notification_id) FROM {EVENTS_TABLE}")
    row = await cur.fetchone()
    return row[0] or 0


async def read_rows(
    conn: AsyncConnection, after: int, upto: int, batch: int = 5000
) -> AsyncIterator[list[tuple]]:
    """Yield stored rows (position, aggregate id, version, wire name, state), undecoded."""
    while after < upto:
        rows = await (await conn.execute(_SELECT, (after, upto, batch))).fetchall()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


async def read_batches(
    conn: AsyncConnection, mapper: MsgspecMapper, after: int, upto: int, batch: int = 5000
) -> AsyncIterator[list[Recorded]]:
    """Yield the events in (after, upto], oldest first, `batch` at a time."""
    while after < upto:
        cur = await conn.execute(_SELECT, (after, upto, batch))
        rows = await cur.fetchall()
        if not rows:
            return
        yield [decode(mapper, *row) for row in rows]
        after = rows[-1][0]
