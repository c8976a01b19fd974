"""What transparency-log proofs cost (docs/performance.md, "Proofs"):

    scripts/bench proofs cost --envelopes 20000 --rounds 2
    scripts/bench proofs proofs --events 1000000 --calls 2000

`cost`: the benchmark's workload through `IngestProcessor` (batches of 500, as the
ingest service takes them) into fresh stores, alternately with each workspace's tree
kept (as Chronicle stores events) and with the tree's append switched off (as before
trees existed): events/s of each round, and the time spent in the append itself.

`proofs`: a store of N events in --workspaces workspaces (the benchmark's workload, 50 by
default; 1 makes one log of N entries), loaded as `scripts/bench` loads its stores, its trees
built from the log and signed; then server-side latency of inclusion proofs of random
events against the newest head, and of consistency proofs from a random earlier size,
beside the raw baseline of reading one event by its position (primary key).
Both print a table and write JSON into --out (default bench-results/).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import AsyncConnection

from adapters.eventstore import EventStore
from adapters.eventstore.merkle_catch_up import catch_up_all
from chronicle_tools.bench.infra import Infra, infrastructure
from chronicle_tools.bench.loader import load_store
from chronicle_tools.bench.measure import Figure, progress
from chronicle_tools.bench.workload import BenchWorkload
from services.audit import proofs as proof_service
from services.audit.tree_heads import sign_tree_heads
from services.ingest.processor import IngestProcessor
from services.ingest.validation import Incoming


def _ingest_round(infra: Infra, envelopes: int, seed: int, tree: bool) -> Figure:
    url = infra.fresh_database("proofcost")
    messages = [Incoming(m.subject, m.body) for m in BenchWorkload(seed, envelopes)]
    spent = [0.0, 0.0]  # wall (with the pipeline's waits), CPU of this process
    with EventStore(url) as store:
        append = store.recorder.trees.extend

        def timed(*args, **kwargs):
            started, cpu = time.perf_counter(), time.process_time()
            append(*args, **kwargs)
            spent[0] += time.perf_counter() - started
            spent[1] += time.process_time() - cpu

        store.recorder.trees.extend = timed if tree else (lambda *args, **kwargs: None)
        processor = IngestProcessor(store)
        bar = progress(len(messages), f"ingest, tree {'on' if tree else 'off'}", unit="env")
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(messages), 500):
            processor.process(messages[i : i + 500])
            bar.update(min(500, len(messages) - i))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        bar.close()
    with psycopg.connect(url) as conn:
        events = conn.execute("SELECT count(*) FROM chronicle_events").fetchone()[0]
        nodes = conn.execute("SELECT count(*) FROM merkle_nodes").fetchone()[0]
    infra.drop_database(url)
    return Figure(
        f"ingest in process, tree {'kept' if tree else 'off'}",
        events,
        seconds,
        group="ingest",
        extra={
            "cpu_us_per_event": round(cpu / events * 1e6, 1),  # this process: less load-bound
            "append_us_per_event": round(spent[0] / events * 1e6, 1),  # with pipeline waits
            "append_cpu_us_per_event": round(spent[1] / events * 1e6, 1),
            "tree_rows": nodes,
        },
    )


def cost(infra: Infra, envelopes: int, rounds: int, seed: int) -> list[Figure]:
    figures = []
    for _ in range(rounds):  # alternately: the machine's load drifts
        figures += [_ingest_round(infra, envelopes, seed, tree) for tree in (False, True)]
    return figures


async def _latencies(calls, call) -> list[float]:
    ms = []
    bar = progress(len(calls), "calls", unit="call")
    for args in calls:
        started = time.perf_counter()
        await call(*args)
        ms.append((time.perf_counter() - started) * 1000)
        bar.update(1)
    bar.close()
    return ms


async def _measure(url: str, calls: int, seed: int) -> list[Figure]:
    rng = random.Random(seed)
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        heads = await (
            await conn.execute("SELECT workspace_id, max(tree_size) FROM tree_heads GROUP BY 1")
        ).fetchall()
        sizes = dict(heads)
        events = await (
            await conn.execute(
                "SELECT workspace_id, position FROM merkle_nodes WHERE level = 0 "
                "AND position % 97 = 0"  # a spread sample of every workspace's log
            )
        ).fetchall()
        picks = [rng.choice(events) for _ in range(calls)]
        raw = await _latencies(
            [(p,) for _, p in picks],
            lambda p: conn.execute(
                "SELECT state FROM chronicle_events WHERE notification_id = %s", (p,)
            ),
        )
        inclusion = await _latencies(picks, lambda ws, p: proof_service.inclusion(conn, ws, p))
        pairs = [(ws, rng.randint(1, sizes[ws])) for ws, _ in picks]
        consistency = await _latencies(pairs, lambda ws, m: proof_service.consistency(conn, ws, m))
        largest = max(sizes.values())
    return [
        Figure(
            "proof: inclusion of a random event, newest signed head",
            calls,
            latency="server-side, one connection: lookups, O(log n) node reads, the event",
            group="query",
            extra={"largest_tree": largest},
        ).with_latencies(inclusion),
        Figure(
            "proof: consistency from a random size to the newest head",
            calls,
            latency="server-side, one connection",
            group="query",
        ).with_latencies(consistency),
        Figure(
            "raw: one event read by its position (primary key)",
            calls,
            latency="server-side, one connection",
            baseline_for=["proof: inclusion of a random event, newest signed head"],
        ).with_latencies(raw),
    ]


def proofs_at(
    infra: Infra, events: int, calls: int, seed: int, workspaces: int = 50
) -> list[Figure]:
    url = infra.fresh_database("proofs")
    bar = progress(events, f"loading {events:,} events", unit="ev")
    workload = BenchWorkload(seed, events, workspaces=workspaces)
    load_store(url, iter(workload), events, progress=bar.update)
    bar.close()
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        leaves = catch_up_all(conn)  # the loader writes chains, not trees
    built = time.perf_counter() - started

    async def sign() -> int:
        async with await AsyncConnection.connect(url, autocommit=True) as conn:
            return len(await sign_tree_heads(conn, Ed25519PrivateKey.generate()))  # thrown away

    started = time.perf_counter()
    heads = asyncio.run(sign())
    signed = time.perf_counter() - started
    figures = asyncio.run(_measure(url, calls, seed))
    with psycopg.connect(url) as conn:
        sizes = {
            t: conn.execute("SELECT pg_total_relation_size(%s)", (t,)).fetchone()[0]
            for t in ("chronicle_events", "event_chain", "merkle_nodes")
        }
    infra.drop_database(url)
    figures.insert(
        0,
        Figure(
            "tree built from the log (every workspace)",
            leaves,
            built,
            group="load",
            extra={"heads_signed": heads, "signing_seconds": signed, "table_bytes": sizes},
        ),
    )
    return figures


def table(figures: list[Figure]) -> str:
    out = ["| figure | count | events/s | p50 ms | p95 ms | p99 ms | notes |", "|---" * 7 + "|"]
    for f in figures:
        rate = f"{f.rate:,.0f}" if f.rate and f.seconds else "-"
        ms = [f"{v:.2f}" if v is not None else "-" for v in (f.p50, f.p95, f.p99)]
        out.append(f"| {f.name} | {f.count:,} | {rate} | {' | '.join(ms)} | {f.extra} |")
    return "\n".join(out)


def measure(args) -> Path:
    """`args.what` (cost or proofs) with the suite's options: the table printed, the
    figures written as JSON under `args.out`; returns the file."""
    with infrastructure(None, None, keep=False) as infra:
        if args.what == "cost":
            figures = cost(infra, args.envelopes, args.rounds, args.seed)
        else:
            figures = proofs_at(infra, args.events, args.calls, args.seed, args.workspaces)
    print(table(figures))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"proofs-{args.what}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps([f.as_dict() for f in figures], indent=2, default=str))
    return path
