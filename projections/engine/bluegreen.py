"""The schemas of a projection's generations: where a rebuild builds, the swap that makes
it live, and the drop of the one it replaced (services/operate/rebuild.py runs them in order).

Why the swap is safe while projectors and readers run: it locks the live schema's tracking
table, and every projector write begins by locking its tracking row (projections/
runner.py), so the swap waits for the write in flight and holds back the next one. The
held-back write resolves `rm_<name>` again once the swap commits (PostgreSQL re-resolves a
name after waiting for a lock, and a renamed schema invalidates prepared plans), so it
finds the new schema and its position. Readers name `rm_<name>` too: each query sees the
old tables or the new ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
import structlog
from psycopg import AsyncConnection

from adapters.retry import Backoff, retry
from projections.engine.base import Projection
from projections.engine.partitioning import adopt
from projections.engine.runner import ProjectionRunner

log = structlog.get_logger()


@dataclass
class Rebuilt:
    """One generation of a projection: the rebuild that made it, and what it replaced."""

    name: str
    generation: int
    version: int
    schema: str
    resumed_from: int = 0
    position: int = 0
    events: int = 0
    seconds: float = 0.0
    swap_seconds: float = 0.0
    retired: str | None = None
    retired_dropped: bool = False

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


async def _one(conn: AsyncConnection, sql: str, *params):
    return (await (await conn.execute(sql, params)).fetchone())[0]


async def target(conn: AsyncConnection, cls: type[Projection]) -> Rebuilt:
    """The schema to build into: an unfinished rebuild of this version is resumed; one of
    another version is abandoned; else a new generation starts from nothing."""
    cur = await conn.execute(
        "SELECT id, schema, version, to_regnamespace(schema) IS NOT NULL FROM "
        "projection_rebuilds WHERE projection = %s AND state = 'building' ORDER BY id DESC",
        (cls.name,),
    )
    for generation, schema, version, exists in await cur.fetchall():
        if version == cls.version and exists:
            log.info("rebuild.resume", projection=cls.name, schema=schema)
            return Rebuilt(cls.name, generation, version, schema)
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.execute(
            "UPDATE projection_rebuilds SET state = 'abandoned' WHERE id = %s", (generation,)
        )
    generation = await _one(
        conn,
        "INSERT INTO projection_rebuilds (projection, schema, version) "
        "VALUES (%s, '', %s) RETURNING id",
        cls.name,
        cls.version,
    )
    schema = f"{cls(None).schema}__b{generation}"
    await conn.execute(
        "UPDATE projection_rebuilds SET schema = %s WHERE id = %s", (schema, generation)
    )
    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    await cls(schema).create(conn, defer_indexes=True)  # made before the swap (rebuild.py)
    return Rebuilt(cls.name, generation, cls.version, schema)


async def swap(
    conn: AsyncConnection,
    cls: type[Projection],
    runner: ProjectionRunner,
    done: Rebuilt,
    advanced: Callable[[int, int], None],
    lock_timeout: float,
    attempts: int,
) -> None:
    """Make the built schema the live one, in one transaction (see the module's doc)."""
    live = cls(None).schema

    async def once() -> None:
        begun, events = time.monotonic(), done.events
        try:
            async with conn.transaction():
                await conn.execute(f"SET LOCAL lock_timeout = '{int(lock_timeout * 1000)}ms'")
                serving = await _one(conn, "SELECT to_regnamespace(%s) IS NOT NULL", live)
                if await _one(conn, "SELECT to_regclass(%s) IS NOT NULL", f"{live}.tracking"):
                    await conn.execute(f"LOCK TABLE {live}.tracking IN ACCESS EXCLUSIVE MODE")
                done.position = await runner.catch_up(conn, progress=advanced)
                if serving:  # partition workers carry on in the new schema without a restart
                    partitions = await _one(
                        conn,
                        f"SELECT partitions FROM {live}.tracking WHERE projection = %s",
                        cls.name,
                    )
                    await adopt(conn, runner.projection, partitions)
                    done.retired = f"{live}__old{done.generation}"
                    await conn.execute(f"ALTER SCHEMA {live} RENAME TO {done.retired}")
                await conn.execute(f"ALTER SCHEMA {done.schema} RENAME TO {live}")
                await conn.execute(
                    "UPDATE projection_rebuilds SET state = 'swapped', swapped_at = now(), "
                    "position = %s, retired_schema = %s WHERE id = %s",
                    (done.position, done.retired, done.generation),
                )
            done.swap_seconds = time.monotonic() - begun
        except psycopg.errors.LockNotAvailable:  # rolled back: as if this attempt never was
            done.retired, done.events = None, events
            await runner.catch_up(conn, progress=advanced)  # stay close while we wait
            raise

    try:
        # The lock timeout is the wait between attempts: no pause of its own on top.
        await retry(
            once,
            on=psycopg.errors.LockNotAvailable,
            what="rebuild.swap_waiting",
            backoff=Backoff(first=0.0),
            attempts=attempts,
            projection=done.name,
        )
    except psycopg.errors.LockNotAvailable as e:
        raise RuntimeError(f"could not lock {live} for the swap in {attempts} attempts") from e


async def drop_retired(
    conn: AsyncConnection, done: Rebuilt, lock_timeout: float, attempts: int
) -> bool:
    """Drop the retired schema once the readers still on it are done."""
    if done.retired is None:
        return False

    async def once() -> None:
        async with conn.transaction():
            await conn.execute(f"SET LOCAL lock_timeout = '{int(lock_timeout * 1000)}ms'")
            await conn.execute(f"DROP SCHEMA {done.retired} CASCADE")
            await conn.execute(
                "UPDATE projection_rebuilds SET retired_dropped = true WHERE id = %s",
                (done.generation,),
            )

    try:  # the lock timeout is the wait between attempts
        await retry(
            once,
            on=psycopg.errors.LockNotAvailable,
            what="rebuild.drop_waiting",
            backoff=Backoff(first=0.0),
            attempts=attempts,
            projection=done.name,
        )
        return True
    except psycopg.errors.LockNotAvailable:
        pass
    log.warning("rebuild.retired_kept", projection=done.name, schema=done.retired)
    return False
