"""Scale-out: partitioned projectors, on private servers started here (never on yours).

    scripts/bench scale --events 20000 --workers 1 2 4

Projector workers as separate processes, one per partition, fed through NATS by the relay:
the clock runs from the moment the events appear in the store until every partition has
applied all of its events. One JSON line per run, and the list is returned.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from adapters import bus
from adapters.embedded import NatsServer, create_database, start_postgres
from adapters.processes import die_with_parent
from adapters.settings import Settings
from chronicle_tools.bench.demo_store import fill, wait_for
from projections.engine.source import Slot, projection_lag
from projections.registry import PROJECTIONS, projection
from services.projector import durable_name
from services.relay import Relay

STAGED = ("chronicle_events", "event_chain")


def _spawn(settings: Settings, name: str, partition: int | None, log: Path):
    env = {
        **os.environ,
        "CHRONICLE_DATABASE_URL": settings.database_url,
        "CHRONICLE_NATS_URL": settings.nats_url,
        "CHRONICLE_PROJECTOR_PARTITIONS": str(settings.projector_partitions),
        "CHRONICLE_LOG_FORMAT": "json",
        "CHRONICLE_CHECKPOINT_INTERVAL": "0",
    }
    args = ["run", "projectors", name] + (
        [] if partition is None else ["--partition", str(partition)]
    )
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", *args],
        env=env,
        stdout=out,
        stderr=out,
        preexec_fn=die_with_parent,
    )


async def _one_run(settings: Settings, name: str, workers: int, total: int, logs: Path) -> dict:
    nc = await bus.connect(settings.nats_url, "bench")
    for info in await nc.jetstream().streams_info():
        await nc.jetstream().delete_stream(info.config.name)
    partitions = [None] if workers == 1 else list(range(workers))
    processes = [_spawn(settings, name, p, logs / f"{name}-{workers}-{p}.log") for p in partitions]
    every = list(PROJECTIONS)
    suffix = [  # each worker's durable consumer
        durable_name([name], every, None if p is None else Slot(p, workers)) for p in partitions
    ]

    async def consumers_ready() -> bool:
        try:
            for s in suffix:
                await nc.jetstream().consumer_info(bus.EVENTS_STREAM, s)
        except Exception:
            return False
        return True

    relay = Relay(settings)
    try:
        await wait_for(consumers_ready, 60, "projector consumers")
        for process in processes:  # paused while the relay fills the stream alone
            process.send_signal(signal.SIGSTOP)
        await relay.start()  # idle: the store is empty
        async with await psycopg.AsyncConnection.connect(
            settings.database_url, autocommit=True
        ) as conn:
            started = time.perf_counter()
            async with conn.transaction():  # every event appears at once
                for table in STAGED:
                    await conn.execute(f"INSERT INTO {table} SELECT * FROM staged_{table}")
            live = projection(name)

            async def relayed():
                return relay.position >= total

            async def applied():
                """Cheap while the consumers have work (NATS), exact at the end (store)."""
                for s in suffix:
                    info = await nc.jetstream().consumer_info(bus.EVENTS_STREAM, s)
                    if info.num_pending or info.num_ack_pending:
                        return False
                return (await projection_lag(conn, live))[0] == 0

            await wait_for(relayed, 600, "relay")
            relay_seconds = time.perf_counter() - started
            resumed = time.perf_counter()
            for process in processes:
                process.send_signal(signal.SIGCONT)
            await wait_for(applied, 900, "projectors")
            seconds = time.perf_counter() - resumed
    finally:
        if getattr(relay, "watchdog", None):
            await relay.stop()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        await nc.close()
    return {
        "projection": name,
        "workers": workers,
        "events": total,
        "seconds": round(seconds, 2),
        "events_per_second": round(total / seconds),
        "relay_events_per_second": round(total / relay_seconds),
        "note": "projectors timed from the stream full (relay done) to every event applied",
        "load_average": round(os.getloadavg()[0], 1),
    }


def throughput(events: int, workers: list[int], names: list[str]) -> list[dict]:
    root = Path(tempfile.mkdtemp(prefix="chronicle-scale-bench-"))
    server, admin = start_postgres(root / "pgdata", dbname="postgres")
    nats = NatsServer.start(root / "nats")
    results = []
    try:
        template = server.get_uri("bench_template")
        create_database(admin, "bench_template")
        total = fill(template, events)
        with psycopg.connect(template, autocommit=True) as conn:
            for table in STAGED:  # kept aside: they appear at once, under the clock
                conn.execute(f"CREATE TABLE staged_{table} AS SELECT * FROM {table}")
                conn.execute(f"TRUNCATE {table}")
        for name in names:
            for run, count in enumerate(workers):
                db = f"bench_{name}_{run}_{count}"
                create_database(admin, db, template="bench_template")
                settings = Settings(
                    database_url=server.get_uri(db),
                    nats_url=nats.url,
                    projector_partitions=count,
                    checkpoint_interval=0,
                )
                result = asyncio.run(_one_run(settings, name, count, total, root))
                print(json.dumps(result), flush=True)
                results.append(result)
    finally:
        nats.stop()
        server.cleanup()
    return results
