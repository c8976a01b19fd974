"""How many partitions a projection is applied in, and changing it without losing or
repeating an event.

The tracking row names the current number. Changing it (`adopt`) happens in one
transaction that locks the projection's tracking tables, so no worker applies meanwhile:
- from one partition, the single position is everyone's watermark;
- from several, each old partition is first brought up to the highest old watermark
  from the event store, so one watermark holds for all;
then each new partition starts at that watermark. Workers of the old number find their
partition gone or renumbered at their next batch and stop applying (PartitioningChanged).
"""

from __future__ import annotations

import structlog
from psycopg import AsyncConnection

from adapters.mapper import MsgspecMapper
from projections.engine.base import Projection
from projections.engine.runner import ProjectionRunner
from projections.engine.source import Slot

log = structlog.get_logger()


async def adopt(
    conn: AsyncConnection,
    projection: Projection,
    partitions: int,
    mapper: MsgspecMapper | None = None,
) -> bool:
    """Make `partitions` the projection's number of partitions; True if it changed."""
    s, name = projection.schema, projection.name
    async with conn.transaction():
        await conn.execute("SET LOCAL synchronous_commit = on")  # a layout is not replayable
        await conn.execute(f"LOCK TABLE {s}.tracking, {s}.partitions IN EXCLUSIVE MODE")
        cur = await conn.execute(
            f"SELECT position, partitions FROM {s}.tracking WHERE projection = %s", (name,)
        )
        position, current = await cur.fetchone()
        if current == partitions:
            return False
        if current > 1:
            cur = await conn.execute(f"SELECT max(position) FROM {s}.partitions")
            position = (await cur.fetchone())[0] or 0
            for index in range(current):
                runner = ProjectionRunner(projection, mapper, Slot(index, current))
                await runner.catch_up(conn, upto=position)
        await conn.execute(f"DELETE FROM {s}.partitions")
        if partitions > 1:
            cur = conn.cursor()
            await cur.executemany(
                f"INSERT INTO {s}.partitions (partition, partitions, position) VALUES (%s, %s, %s)",
                [(index, partitions, position) for index in range(partitions)],
            )
        await conn.execute(
            f"UPDATE {s}.tracking SET position = %s, partitions = %s, updated_at = now() "
            "WHERE projection = %s",
            (position, partitions, name),
        )
    log.info("projection.partitioned", projection=name, before=current, now=partitions, at=position)
    return True


async def rebuild_like(
    conn: AsyncConnection, live: Projection, scratch: Projection, batch: int = 5000
) -> None:
    """Build `scratch` from the store to exactly where `live` is, partition by partition
    (read models only join aggregates inside one workspace, so partitions are independent)."""
    watermarks = await live.watermarks(conn)
    if None in watermarks:
        await ProjectionRunner(scratch).catch_up(conn, upto=watermarks[None], batch=batch)
        return
    await adopt(conn, scratch, len(watermarks))
    for index, position in watermarks.items():
        runner = ProjectionRunner(scratch, slot=Slot(index, len(watermarks)))
        await runner.catch_up(conn, upto=position, batch=batch)
