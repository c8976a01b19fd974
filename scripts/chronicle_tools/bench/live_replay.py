"""Projector throughput for `scripts/bench live`, measured in a process of its own.

Applies stored events to the timeline read model exactly as the projector service does
(`ProjectionRunner.apply`: rows, tracking position and the announcement in one
transaction per batch), in live-sized batches. The events are read and decoded before
the clock starts, so the figure is the transactions' rate. Prints JSON.

    python -m chronicle_tools.bench.live_replay DATABASE_URL --upto N [--reset] [--batch 50]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import statistics
import sys
import time

import psycopg

from adapters.mapper import MsgspecMapper
from chronicle_tools import worker_env
from chronicle_tools.bench.live_clients import cpu_seconds, received, subscribe, wait
from chronicle_tools.bench.live_load import Announcements, percentile
from projections.engine.runner import ProjectionRunner
from projections.engine.source import read_batches
from projections.timeline import Timeline


async def replay(
    database_url: str, upto: int, batch: int, reset: bool, rate: float | None = None
) -> dict:
    """Apply the stored events up to `upto`; at `rate` events a second if given (then
    the moment each transaction committed is kept, by its position)."""
    projection = Timeline()
    runner = ProjectionRunner(projection)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        if reset:
            await conn.execute(f"DROP SCHEMA IF EXISTS {projection.schema} CASCADE")
            await projection.create(conn)
        position = await projection.position(conn)
        batches = [b async for b in read_batches(conn, MsgspecMapper(), position, upto, batch)]
        started, applied, committed = time.perf_counter(), 0, []
        for events in batches:
            if rate and (ahead := started + applied / rate - time.perf_counter()) > 0:
                await asyncio.sleep(ahead)
            previous = [position] + [e.position for e in events[:-1]]
            position = await runner.apply(conn, list(zip(previous, events, strict=True)))
            applied += len(events)
            if rate:
                committed.append((position, time.time()))
        seconds = time.perf_counter() - started
    count = sum(len(b) for b in batches)
    return {
        "events": count,
        "transactions": len(batches),
        "seconds": seconds,
        "events_per_second": count / seconds if seconds else 0.0,
        "position": position,
        "committed": committed,
    }


async def replay_apart(
    db: str, upto: int, batch: int, reset: bool = False, rate: float | None = None
) -> dict:
    args = [sys.executable, "-m", "chronicle_tools.bench.live_replay", db, "--upto", str(upto)]
    args += ["--batch", str(batch), *(["--reset"] if reset else [])]
    args += ["--rate", str(rate)] if rate else []
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, env=worker_env()
    )
    out, _ = await process.communicate()
    if process.returncode:
        raise SystemExit("bench live: the replay failed")
    return json.loads(out)


async def throughput(db, api, ops, token, supervisor, o, busy, idle, at: dict) -> dict:
    """The timeline projector's rate alone, with the idle subscribers, and with the idle
    and busy ones following along; rounds alternate, and the median of each is kept (the
    machine is shared: its load moves)."""
    projector = supervisor.processes.pop("projectors")  # the replay takes the timeline's place
    projector.terminate()
    projector.wait()
    runs: dict[str, list[float]] = {"alone": [], "idle": [], "idle_and_busy": []}
    api_cpu: dict[str, list[float]] = {name: [] for name in runs}
    api_pid = supervisor.processes["api"].pid
    for _ in range(o.rounds):
        for name, following in (("alone", []), ("idle", idle), ("idle_and_busy", idle + busy)):
            await replay_apart(db, at["contacts"], o.batch, reset=True)
            subscribers = await subscribe(api, ops, token, following, [])
            try:
                before = cpu_seconds(api_pid)
                replayed = await replay_apart(db, at["head"], o.batch)
                api_cpu[name].append((cpu_seconds(api_pid) - before) / replayed["seconds"])
                expected = int(o.rate * o.seconds) if name == "idle_and_busy" else 0
                await wait(lambda s=subscribers, n=expected: received(s, n), "the replayed entries")
            finally:
                await subscribers.close()
            runs[name].append(replayed["events_per_second"])
    return {
        name: {
            "median": statistics.median(rates),
            "runs": rates,
            "api_cpu_share": statistics.median(api_cpu[name]),  # of one core, meanwhile
        }
        for name, rates in runs.items()
    } | {"events": replayed["events"], "transactions": replayed["transactions"]}


async def paced_commits(
    db, api, ops, token, o, busy, idle, at: dict, supervisor_api_pid: int
) -> dict:
    """Commit → received alone: the stored activities applied again at `rate` events a
    second in transactions of 10 while every subscriber follows; the latency of each
    entry is from its transaction's commit to its arrival over SSE."""
    await replay_apart(db, at["contacts"], o.batch, reset=True)
    subscribers = await subscribe(api, ops, token, idle, busy)
    try:
        before = (await subscribers.health())["live"]
        announcements = Announcements(db)
        listening = asyncio.create_task(announcements.listen())
        api_pid, api_cpu = supervisor_api_pid, cpu_seconds(supervisor_api_pid)
        bench_cpu = time.process_time()
        replayed = await replay_apart(db, at["head"], 10, rate=o.rate)
        total = int(o.rate * o.seconds)
        await wait(lambda: received(subscribers, total), "the paced entries")
        cpu = {"api": cpu_seconds(api_pid) - api_cpu, "bench": time.process_time() - bench_cpu}
        listening.cancel()
        after = (await subscribers.health())["live"]
    finally:
        await subscribers.close()
    _, to_received = announcements.split(subscribers.arrivals)
    positions = [p for p, _ in replayed["committed"]]
    latencies = []
    for position, _, arrived in subscribers.arrivals:
        commit = replayed["committed"][bisect.bisect_left(positions, position)][1]
        latencies.append(arrived - commit)
    latencies.sort()
    return {
        "rate": replayed["events"] / replayed["seconds"],
        "p50": 1000 * latencies[len(latencies) // 2],
        "p99": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "max": 1000 * latencies[-1],
        "delivered": len(latencies),
        "announced_to_received_p50": 1000 * percentile(to_received, 0.5),
        "announced_to_received_p99": 1000 * percentile(to_received, 0.99),
        "hub": {k: after[k] - before[k] for k in ("announcements", "cycles", "reads")},
        "cpu_seconds": cpu,
        "seconds": replayed["seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--upto", type=int, required=True)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--rate", type=float, help="events a second (default: flat out)")
    args = parser.parse_args()
    done = replay(args.database_url, args.upto, args.batch, args.reset, args.rate)
    print(json.dumps(asyncio.run(done)))


if __name__ == "__main__":
    main()
