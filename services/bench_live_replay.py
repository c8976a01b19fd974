"""Projector throughput for `chronicle bench-live`, in a process of its own.

Applies stored events to the timeline read model exactly as the projector service does
(`ProjectionRunner.apply`: rows, tracking position and the announcement in one
transaction per batch), in live-sized batches. The events are read and decoded before
the clock starts, so the figure is the transactions' rate. Prints JSON.

    python -m services.bench_live_replay DATABASE_URL --upto N [--reset] [--batch 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import psycopg

from adapters.mapper import MsgspecMapper
from projections.runner import ProjectionRunner
from projections.source import read_batches
from projections.timeline import Timeline


async def replay(database_url: str, upto: int, batch: int, reset: bool) -> dict:
    projection = Timeline()
    runner = ProjectionRunner(projection)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        if reset:
            await conn.execute(f"DROP SCHEMA IF EXISTS {projection.schema} CASCADE")
            await projection.create(conn)
        position = await projection.position(conn)
        batches = [b async for b in read_batches(conn, MsgspecMapper(), position, upto, batch)]
        started = time.perf_counter()
        for events in batches:
            previous = [position] + [e.position for e in events[:-1]]
            position = await runner.apply(conn, list(zip(previous, events, strict=True)))
        seconds = time.perf_counter() - started
    count = sum(len(b) for b in batches)
    return {
        "events": count,
        "transactions": len(batches),
        "seconds": seconds,
        "events_per_second": count / seconds if seconds else 0.0,
        "position": position,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--upto", type=int, required=True)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(replay(args.database_url, args.upto, args.batch, args.reset))))


if __name__ == "__main__":
    main()
