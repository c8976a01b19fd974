"""Blue/green rebuild of a read model: new tables built while the old ones serve, then
an atomic swap.

1. The projection is built from the event store into a schema of its own,
   `rm_<name>__b<n>` (n: the rebuild's row in `projection_rebuilds`), reading the store in
   large batches; the live schema keeps serving and its projector keeps feeding it.
2. Rounds of catch-up follow the log until fewer than `close_enough` events are left.
3. The swap is one transaction (projections/engine/bluegreen.py): it holds back the live
   projector's writes, applies the last events, renames the live schema away and the new
   one to `rm_<name>`. The held-back write then goes on in the new schema from its
   position (events at or below it are skipped, a gap is filled from the store): nothing
   reaches the old schema after the swap, and no event is missed or applied twice.
4. The old schema is dropped (kept with `keep_old`).

A projection whose `version` changed is never written by old code after the swap (the
runner refuses a schema of another version; the projector stops and is restarted with the
new code). A rebuild that dies is resumed by the next one of the same version. Anything
that must change every read model at once (a corrected projection; erasure, later) can go
through `rebuild_all`.
"""

from __future__ import annotations

import asyncio
import sys
import time

import structlog
from psycopg import AsyncConnection
from tqdm import tqdm

from adapters.schema import REBUILD_DDL
from projections.engine.base import Projection
from projections.engine.bluegreen import Rebuilt, drop_retired, swap, target
from projections.engine.runner import ProjectionRunner
from projections.engine.source import max_position
from projections.engine.together import catch_up_together
from projections.registry import PROJECTIONS

log = structlog.get_logger()
LOCK_NAMESPACE = 7114  # pg_advisory_lock(7114, hashtext(name)): one rebuild per projection


class RebuildBusy(Exception):
    """Another rebuild of the same projection is running."""


async def rebuild(
    database_url: str,
    projection_class: type[Projection],
    *,
    batch: int = 10_000,
    close_enough: int = 2_000,
    keep_old: bool = False,
    progress: bool = True,
    lock_timeout: float = 2.0,
    attempts: int = 20,
) -> Rebuilt:
    """Rebuild one projection with `projection_class`'s code and swap it in."""
    name = projection_class.name
    started = time.monotonic()
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        for ddl in REBUILD_DDL:
            await conn.execute(ddl)
        cur = await conn.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_NAMESPACE, name)
        )
        if not (await cur.fetchone())[0]:
            raise RebuildBusy(f"another rebuild of {name} is running")
        try:
            done = await target(conn, projection_class)
            built = projection_class(done.schema)
            runner = ProjectionRunner(built)
            done.resumed_from = await built.position(conn)
            bar = tqdm(
                desc=f"rebuild {name}",
                unit="ev",
                unit_scale=True,
                initial=done.resumed_from,
                total=await max_position(conn),
                file=sys.stderr,
                disable=not progress,
                mininterval=0.5,
            )

            def advanced(events: int, position: int) -> None:
                done.events += events
                bar.update(position - bar.n)

            while True:  # in bulk, then rounds following the log until nearly at its head
                head = await max_position(conn)
                bar.total = max(head, bar.n)
                if head - await built.position(conn) <= close_enough:
                    break
                await runner.catch_up(conn, upto=head, batch=batch, progress=advanced)
            bar.refresh()
            # once its rows are in, far cheaper than row by row; minutes on a large log
            indexes = tqdm(
                desc=f"rebuild {name}: indexes",
                unit="index",
                total=len(built.deferred_indexes),
                file=sys.stderr,
                disable=not progress or not built.deferred_indexes,
            )

            started_indexes: list[str] = []

            def building(index: str) -> None:
                indexes.update(len(started_indexes) - indexes.n)  # those before are done
                started_indexes.append(index)
                indexes.set_postfix_str(index)

            await built.create_deferred_indexes(conn, building)
            indexes.update(indexes.total - indexes.n)
            indexes.close()
            # statistics before readers come (autovacuum may be off, or not there yet): the
            # text searches' plans need them (projections/shared/trigram.py)
            for table in built.table_names():
                await conn.execute(f"ANALYZE {built.schema}.{table}")
            await swap(conn, projection_class, runner, done, advanced, lock_timeout, attempts)
            bar.close()
            done.seconds = time.monotonic() - started
            await conn.execute(
                "UPDATE projection_rebuilds SET events = %s, seconds = %s WHERE id = %s",
                (done.events, done.seconds, done.generation),
            )
            if not keep_old:
                done.retired_dropped = await drop_retired(conn, done, lock_timeout, attempts)
        finally:
            await conn.execute(
                "SELECT pg_advisory_unlock(%s, hashtext(%s))", (LOCK_NAMESPACE, name)
            )
    log.info(
        "rebuild.done",
        projection=name,
        generation=done.generation,
        events=done.events,
        events_per_second=round(done.rate),
        swap_ms=round(done.swap_seconds * 1000, 1),
        retired=done.retired,
        dropped=done.retired_dropped,
    )
    return done


async def build_together(
    database_url: str,
    classes: list[type[Projection]],
    *,
    batch: int = 10_000,
    progress: bool = True,
    passes: int = 1,
) -> tuple[int, float]:
    """Step 1 for several projections at once: their new generations are built in one pass
    over the store (projections/engine/together.py), each batch read and decoded once; with
    `passes` > 1, by that many processes, each building a share of them. `rebuild` then
    resumes each (steps 2-4). Returns (events read, seconds)."""
    started = time.monotonic()
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        for ddl in REBUILD_DDL:
            await conn.execute(ddl)
        names = [cls.name for cls in classes]
        cur = await conn.execute(
            "SELECT n FROM unnest(%s::text[]) n WHERE NOT pg_try_advisory_lock(%s, hashtext(n))",
            (names, LOCK_NAMESPACE),
        )
        busy = [n for (n,) in await cur.fetchall()]
        try:
            if busy:
                raise RebuildBusy(f"another rebuild of {', '.join(busy)} is running")
            built = [cls((await target(conn, cls)).schema) for cls in classes]
            start = min([await p.position(conn) for p in built])
            bar = tqdm(
                desc=f"rebuild {len(built)} read models together",
                unit="ev",
                unit_scale=True,
                initial=start,
                total=await max_position(conn),
                file=sys.stderr,
                disable=not progress,
                mininterval=0.5,
            )
            read = 0

            def advanced(events: int, position: int) -> None:
                nonlocal read
                read += events
                bar.update(position - bar.n)

            await catch_up_together(
                database_url, built, batch=batch, progress=advanced, passes=passes
            )
            bar.close()
        finally:
            await conn.execute(
                "SELECT pg_advisory_unlock(%s, hashtext(n)) FROM unnest(%s::text[]) n "
                "WHERE NOT n = ANY(%s)",
                (LOCK_NAMESPACE, names, busy),
            )
    return read, time.monotonic() - started


async def rebuild_all(database_url: str, **options) -> list[Rebuilt]:
    """Every registered projection: built together, then each caught up and swapped in."""
    classes = list(PROJECTIONS.values())
    passes = options.pop("passes", 1)
    await build_together(
        database_url,
        classes,
        batch=options.get("batch", 10_000),
        progress=options.get("progress", True),
        passes=passes,
    )
    return await rebuild_each(database_url, classes, at_once=passes, **options)


async def rebuild_each(
    database_url: str, classes: list[type[Projection]], *, at_once: int = 1, **options
) -> list[Rebuilt]:
    """`rebuild` each of `classes` (in their order in the result): its rounds, its readers'
    indexes and its swap, `at_once` of them at a time, the costliest first. Building
    indexes is one connection's work, so two at once use a second core. One that fails
    does not stop the others; its error is raised once they are done."""
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        for ddl in REBUILD_DDL:  # once, before they run: at once, they would collide
            await conn.execute(ddl)
    running = asyncio.Semaphore(at_once)

    async def one(cls: type[Projection]) -> Rebuilt:
        async with running:
            return await rebuild(database_url, cls, **options)

    order = sorted(classes, key=lambda cls: -cls.cost)
    done = await asyncio.gather(*(one(cls) for cls in order), return_exceptions=True)
    failed = [d for d in done if isinstance(d, BaseException)]
    if failed:
        raise failed[0]
    by_name = {d.name: d for d in done}
    return [by_name[cls.name] for cls in classes]
