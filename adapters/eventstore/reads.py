"""The log as the running services read it (asyncio connections): the relay's tail, the
projections' batches, gap fills and lag, the API's audit records, proofs and time travel.

Rows are (position, aggregate id, version, wire name, stored bytes), as
projections/engine/source.py decodes them; `chained` rows add the workspace and the chain
link, as export records carry them.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.sql import SQL, Identifier

from adapters.eventstore.history import CHAINED
from adapters.eventstore.table import CHANNEL, COLUMNS, EVENTS_TABLE

_AFTER = f"SELECT {COLUMNS} FROM {EVENTS_TABLE} WHERE notification_id > %s "
_RANGE = _AFTER + "AND notification_id <= %s ORDER BY notification_id LIMIT %s"


async def _all(conn: AsyncConnection, sql: str, params: Sequence) -> list[tuple]:
    return await (await conn.execute(sql, params)).fetchall()


async def _one(conn: AsyncConnection, sql: str, params: Sequence = ()) -> tuple | None:
    return await (await conn.execute(sql, params)).fetchone()


async def exists(conn: AsyncConnection) -> bool:
    """Has the store been created (a service may start before the first migration)?"""
    return (await _one(conn, "SELECT to_regclass(%s) IS NOT NULL", (EVENTS_TABLE,)))[0]


HEAD = f"SELECT max(notification_id) FROM {EVENTS_TABLE}"


async def head(conn: AsyncConnection) -> int:
    """The last position stored (0: none)."""
    return (await _one(conn, HEAD))[0] or 0


async def count_after(conn: AsyncConnection, position: int) -> tuple[int, int | None]:
    """How many events are stored after `position` (positions have gaps: they are
    counted, not subtracted), and the first of their positions (None: none)."""
    sql = f"SELECT count(*), min(notification_id) FROM {EVENTS_TABLE} WHERE notification_id > %s"
    count, first = await _one(conn, sql, (position,))
    return count, first


async def listen(conn: AsyncConnection) -> None:
    """Be told (`conn.notifies()`) whenever a batch of events is inserted."""
    await conn.execute(SQL("LISTEN {}").format(Identifier(CHANNEL)))


async def after(conn: AsyncConnection, position: int, limit: int) -> list[tuple]:
    """The rows after `position`, in log order, at most `limit`."""
    return await _all(conn, _AFTER + "ORDER BY notification_id LIMIT %s", (position, limit))


async def between(conn: AsyncConnection, after: int, upto: int, limit: int) -> list[tuple]:
    """The rows in (after, upto], in log order, at most `limit`."""
    return await _all(conn, _RANGE, (after, upto, limit))


async def at(conn: AsyncConnection, positions: Sequence[int]) -> list[tuple]:
    """The rows at these positions (those still stored), in log order."""
    sql = f"SELECT {COLUMNS} FROM {EVENTS_TABLE} WHERE notification_id = ANY(%s) ORDER BY 1"
    return await _all(conn, sql, (list(positions),))


async def state_at(conn: AsyncConnection, position: int) -> bytes | None:
    """The stored bytes of the event at `position` (None: no such event)."""
    sql = f"SELECT state FROM {EVENTS_TABLE} WHERE notification_id = %s"
    row = await _one(conn, sql, (position,))
    return bytes(row[0]) if row else None


async def before(
    conn: AsyncConnection, aggregate_ids: Sequence[UUID], position: int
) -> list[tuple]:
    """Every row of these aggregates before `position`, in log order."""
    sql = (
        f"SELECT {COLUMNS} FROM {EVENTS_TABLE} WHERE originator_id = ANY(%s) "
        "AND notification_id < %s ORDER BY notification_id"
    )
    return await _all(conn, sql, (list(aggregate_ids), position))


async def aggregate(conn: AsyncConnection, aggregate_id: UUID) -> list[tuple]:
    """Every row of one aggregate, by version."""
    sql = f"SELECT {COLUMNS} FROM {EVENTS_TABLE} WHERE originator_id = %s ORDER BY 3"
    return await _all(conn, sql, (aggregate_id,))


async def chained_of(
    conn: AsyncConnection, aggregate_id: UUID, after_version: int, limit: int
) -> list[tuple]:
    """One aggregate's chained rows after a version, by version, at most `limit`."""
    sql = (
        f"{CHAINED} WHERE e.originator_id = %s AND e.originator_version > %s "
        "ORDER BY e.originator_version LIMIT %s"
    )
    return await _all(conn, sql, (aggregate_id, after_version, limit))


async def chained_at(conn: AsyncConnection, positions: Sequence[int]) -> list[tuple]:
    """The chained rows at these positions (those still stored), in no order."""
    return await _all(conn, f"{CHAINED} WHERE e.notification_id = ANY(%s)", (list(positions),))
