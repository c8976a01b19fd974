"""One read model rebuilt from the event store, in its own process (as a projector that
starts on an empty schema does): `python -m chronicle_tools.bench.rebuild_worker URL NAME`; or
every read model in one pass over the store (as `chronicle rebuild --all` builds them):
`python -m chronicle_tools.bench.rebuild_worker URL --together [PASSES]`.

Prints one JSON line: events applied, seconds. The benchmark samples this process's memory
while it runs; the runner streams the log in batches, so memory should stay flat.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import psycopg

from adapters.processes import quiet_garbage_collector
from projections.engine.runner import ProjectionRunner
from projections.engine.together import catch_up_together
from projections.registry import PROJECTIONS, projection

BATCH = 5000


async def rebuild(database_url: str, name: str) -> dict:
    p = projection(name)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(f"DROP SCHEMA IF EXISTS {p.schema} CASCADE")
        await p.create(conn)
        started, cpu = time.perf_counter(), time.process_time()
        position = await ProjectionRunner(p).catch_up(conn, batch=BATCH)
        for table in p.table_names():  # fresh statistics, as autovacuum would soon give them
            await conn.execute(f"ANALYZE {p.schema}.{table}")
        return {
            "projection": name,
            "position": position,
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu,  # this process's; the rest is the database's
        }


async def rebuild_together(database_url: str, passes: int) -> dict:
    built = [projection(name) for name in PROJECTIONS]
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for p in built:
            await conn.execute(f"DROP SCHEMA IF EXISTS {p.schema} CASCADE")
            await p.create(conn, defer_indexes=True)  # as `chronicle rebuild` does
    started, cpu = time.perf_counter(), time.process_time()
    positions = await catch_up_together(database_url, built, batch=BATCH, passes=passes)
    finishing = time.perf_counter()
    at_once = asyncio.Semaphore(passes)  # as `rebuild --all` finishes them (rebuild.py)

    async def finish(p) -> None:
        async with (
            at_once,
            await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn,
        ):
            await p.create_deferred_indexes(conn)
            for table in p.table_names():
                await conn.execute(f"ANALYZE {p.schema}.{table}")

    await asyncio.gather(*(finish(p) for p in sorted(built, key=lambda p: -p.cost)))
    return {
        "projection": "all",
        "passes": passes,
        "position": min(positions.values()),
        "finish_seconds": time.perf_counter() - finishing,  # indexes, days, ANALYZE
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
    }


def main() -> None:
    quiet_garbage_collector()  # as `chronicle rebuild` and the projector host do
    database_url, name = sys.argv[1:3]
    if name == "--together":  # [passes]: as `chronicle rebuild --all --passes`
        passes = int(sys.argv[3]) if len(sys.argv) > 3 else 1
        job = rebuild_together(database_url, passes)
    else:
        job = rebuild(database_url, name)
    print(json.dumps(asyncio.run(job)), flush=True)


if __name__ == "__main__":
    main()
