"""Scale-out and size measurements, on private servers started here (never on yours).

    python -m services.bench_scale throughput --events 20000 --workers 1 2 4
    python -m services.bench_scale size --events 100000

`throughput`: projector workers as separate processes, one per partition, fed through
NATS by the relay: the clock runs from the moment the events appear in the store until
every partition has applied all of its events. `size`: the store and every read model
after `--events` events of the demo workload, in bytes (tables + indexes), and per
million events. The lead can plug `throughput()` and `sizes()` into `chronicle bench`.
"""

from __future__ import annotations

import argparse
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
from tqdm import tqdm

from adapters import bus
from adapters.embedded import NatsServer, create_database, start_postgres
from adapters.eventstore import EventStore
from adapters.logging import configure_logging
from adapters.processes import die_with_parent
from adapters.settings import Settings
from projections.engine.source import Slot, projection_lag
from projections.registry import PROJECTIONS, projection
from services.ingest.processor import IngestProcessor
from services.ingest.validation import Incoming
from services.projector import durable_name
from services.workload import demo_workload

STAGED = ("chronicle_events", "event_chain")


def fill(url: str, events: int, batch: int = 500) -> int:
    """Ingest the demo workload of as many workspaces as it takes to store `events`.

    Batches of 500, as the ingest service takes them: with 1,000 and more envelopes in
    one transaction the pgserver build (Unix socket) hung in our runs, TCP did not."""
    stored, n = 0, 0
    with EventStore(url) as store, tqdm(total=events, desc="ingest", unit="ev") as bar:
        processor = IngestProcessor(store)
        while stored < events:
            messages = []
            while len(messages) < batch:
                messages += demo_workload(n, f"ws_{n:05d}", f"b{n}")
                n += 1
            outcomes = processor.process([Incoming(m.subject, m.body) for m in messages])
            added = sum(o.events for o in outcomes)
            stored += added
            bar.update(added)
    return stored


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


async def wait_for(check, within: float, what: str):
    deadline = time.monotonic() + within
    while not (found := await check()):
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.2)
    return found


async def _one_run(settings: Settings, name: str, workers: int, total: int, logs: Path) -> dict:
    from services.relay import Relay

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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m services.bench_scale", description=__doc__)
    sub = p.add_subparsers(dest="what", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--events", type=int, default=20000)
    t.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    t.add_argument("--projection", nargs="+", default=["timeline"], choices=sorted(PROJECTIONS))
    s = sub.add_parser("size")
    s.add_argument("--events", type=int, default=100_000)
    args = p.parse_args(argv)
    configure_logging(Settings(log_level="warning"), "bench")
    if args.what == "throughput":
        throughput(args.events, args.workers, args.projection)
    else:
        from services.bench_size import sizes

        print(json.dumps(sizes(args.events), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
