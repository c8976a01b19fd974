"""A group's tracking rows in one statement each way: every model's position locked at the
start of a batch's transaction, every new position and live announcement written at its
end (projections/engine/group.py). Nine models cost two statements, not twenty-seven.

Partitioned, each model has a tracking row and a partition row: those go out pipelined,
a statement each, still in one round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from psycopg import AsyncConnection, AsyncCursor

from projections.engine.base import Recorded
from projections.engine.live import CHANNEL, announce, payload
from projections.engine.runner import ProjectionRunner
from projections.engine.source import Slot

_WORKSPACE = attrgetter("meta.workspace_id")


async def lock_all(
    conn: AsyncConnection, runners: Sequence[ProjectionRunner], slot: Slot | None
) -> list[int]:
    """Every model's watermark, locked for the transaction (the rows in the runners' order,
    by name: two groups never deadlock). A blue/green swap holds the lock
    (projections/engine/bluegreen.py): the statement waits, then reads the new schema."""
    if slot is not None:
        async with conn.pipeline():
            sent = [await r._send_lock(conn) for r in runners]
            return [await r._locked(c) for r, c in zip(runners, sent, strict=True)]
    if not runners:
        return []
    locks = ", ".join(
        f"m{i} AS (SELECT {i} AS n, position, partitions, version FROM "
        f"{r.projection.schema}.tracking WHERE projection = %s FOR UPDATE)"
        for i, r in enumerate(runners)
    )
    rows = " UNION ALL ".join(f"SELECT * FROM m{i}" for i in range(len(runners)))
    names = [r.projection.name for r in runners]
    found = {
        n: row for n, *row in await (await conn.execute(f"WITH {locks} {rows}", names)).fetchall()
    }
    starts = []
    for i, r in enumerate(runners):
        r.check_version(found.get(i))
        starts.append(r.check_partitions(found.get(i)))
    return starts


async def save_all(
    cur: AsyncCursor,
    runners: Sequence[ProjectionRunner],
    slot: Slot | None,
    starts: list[int],
    fresh: list[list[Recorded]],
    last: int,
) -> None:
    """Each model's new position, and the announcement that wakes the live subscribers of
    its new rows (sent at commit)."""
    if slot is not None:
        for r, start, mine in zip(runners, starts, fresh, strict=True):
            if last > start:
                await r._save(cur, last)
            if mine:
                await announce(cur, r.projection.schema, last, set(map(_WORKSPACE, mine)))
        return
    saves, notes, params = [], [], []
    for i, (r, start) in enumerate(zip(runners, starts, strict=True)):
        if last > start:
            saves.append(
                f"s{i} AS (UPDATE {r.projection.schema}.tracking SET position = %s, "
                "updated_at = now() WHERE projection = %s)"
            )
            params += [last, r.projection.name]
    for r, mine in zip(runners, fresh, strict=True):
        if mine:
            notes.append("pg_notify(%s, %s)")
            params += [CHANNEL, payload(r.projection.schema, last, set(map(_WORKSPACE, mine)))]
    if saves or notes:
        with_saves = f"WITH {', '.join(saves)} " if saves else ""
        await cur.execute(f"{with_saves}SELECT {', '.join(notes) or '1'}", params)
