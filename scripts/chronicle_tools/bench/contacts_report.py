"""Benchmark: does a contacts report cost the same for a small and a large workspace?

For each size, contacts are added (and some connected) over 30 days through the real
ingest path and projected; then the report of the last 30 days (every chart) and the
first page of the added log are timed. Run with `scripts/bench reports [--sizes 100 100000]`.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from tqdm import tqdm

from adapters.embedded import start_postgres
from adapters.eventstore import EventStore
from chronicle_tools.workload import AGENTS, CHANNELS, SOURCES, Producer
from projections.contacts_report.charts import charts, needed_metrics
from projections.contacts_report.logs import ContactLogQueries
from projections.contacts_report.queries import ContactsReportQueries, ReportFilter
from projections.engine.runner import ProjectionRunner
from projections.registry import projection
from projections.shared.report_range import resolve
from services.api.scope import Scope
from services.api.tokens import Principal
from services.ingest.processor import IngestProcessor
from services.ingest.validation import Incoming

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def envelopes(ws: str, contacts: int, rng: random.Random):
    p = Producer(ws, ws)
    for n in range(contacts):
        at = NOW - timedelta(seconds=rng.randrange(30 * 86400))
        agent_id, name = rng.choice(AGENTS)
        data = {"contact_id": f"c{n}", "name": f"Contact {n}", "source": rng.choice(SOURCES)}
        yield p.envelope("contact.added", data, ("user", agent_id, name), at)
        if n % 3 == 0:
            data = {"contact_id": f"c{n}", "channel": rng.choice(CHANNELS), "source": "user"}
            yield p.envelope("contact.connected", data, ("user", agent_id, name), at)


def fill(url: str, ws: str, contacts: int) -> None:
    rng, batch = random.Random(contacts), []
    with EventStore(url) as store, tqdm(total=contacts, desc=f"{ws}: ingest", unit="c") as bar:
        processor = IngestProcessor(store)
        for message in envelopes(ws, contacts, rng):
            batch.append(Incoming(message.subject, message.body))
            if len(batch) == 200:  # larger batches stalled psycopg's pipeline on pgserver
                processor.process(batch)
                bar.update(sum(1 for m in batch if m.subject.endswith(".added")))
                batch = []
        if batch:
            processor.process(batch)
            bar.update(sum(1 for m in batch if m.subject.endswith(".added")))


async def timed(url: str, ws: str, runs: int) -> tuple[float, float, int]:
    scope = Scope(Principal(ws, "bench", "admin"))
    r, f = resolve("Europe/Paris", "last_30_days", now=NOW), ReportFilter()
    report_ms, log_ms, rows = [], [], 0
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for _ in range(runs):
            start = time.perf_counter()
            found = await ContactsReportQueries(conn, scope).counts(needed_metrics(f), r, f, None)
            charts(found, r, f, {})
            report_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await ContactLogQueries(conn, scope).page("added", r, f, None, limit=100)
            log_ms.append((time.perf_counter() - start) * 1000)
        rows = (
            await (
                await conn.execute(
                    "SELECT count(*) FROM rm_contacts_report.counts WHERE workspace_id = %s", (ws,)
                )
            ).fetchone()
        )[0]
    return statistics.median(report_ms), statistics.median(log_ms), rows


async def project(url: str) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for name in ("workspace", "contacts_report"):
            target = projection(name)
            await target.create(conn)
            await ProjectionRunner(target).catch_up(conn)


def compare(sizes: list[int], runs: int) -> None:
    """Fill a workspace of each size, then print each one's medians as a table row."""
    pgdata = Path(tempfile.mkdtemp(prefix="bench-pg-")) / "pgdata"
    server, url = start_postgres(pgdata, dbname="bench_reports")
    try:
        for size in sizes:
            fill(url, f"ws_{size}", size)
        asyncio.run(project(url))
        print("contacts | counts rows | report, 30 days (median ms) | log page of 100 (median ms)")
        for size in sizes:
            report_ms, log_ms, rows = asyncio.run(timed(url, f"ws_{size}", runs))
            print(f"{size:>8} | {rows:>11} | {report_ms:>27.1f} | {log_ms:>27.1f}")
    finally:
        server.cleanup()
