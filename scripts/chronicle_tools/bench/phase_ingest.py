"""Phase 1, ingest to store: producers publish on the bus, the ingest service commits.

Only the ingest service runs. The producer keeps at most `ingest_cap` envelopes
uncommitted (a closed loop: saturating, yet latency stays meaningful); the rate is the
stored events' growth over the run after a 10 % warm-up, the latency publish → the ingest
service's reply after commit, for every tenth envelope.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import psycopg

from adapters.bus import auth as bus_auth
from adapters.embedded import free_port
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import Infra, reset_streams
from chronicle_tools.bench.measure import Figure, RssSampler, progress, window_rate
from chronicle_tools.bench.producer import Publisher
from chronicle_tools.bench.stack import Probe, Services, wait_for_consumers
from chronicle_tools.bench.workload import BenchWorkload
from services.ingest.service import DURABLE


class Tracker:
    """Samples (time, stored events) and the ingest backlog every 100 ms."""

    def __init__(self, probe: Probe, publisher: Publisher, bar) -> None:
        self.probe, self.publisher, self.bar = probe, publisher, bar
        self.samples: list[tuple[float, int]] = []
        self.backlog, self.published_at = 0, 0
        self.started = time.monotonic()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            published = self.publisher.published
            self.backlog, stored = await self.probe.ingest_backlog(), await self.probe.stored()
            self.published_at = published
            self.samples.append((time.monotonic(), stored))
            self.bar.set_postfix(stored=stored, backlog=self.backlog, refresh=False)
            self.bar.update(min(int(time.monotonic() - self.started), self.bar.total) - self.bar.n)
            await asyncio.sleep(0.1)

    async def pending(self) -> int:
        return self.backlog + self.publisher.published - self.published_at


async def measure(database_url: str, nats_url: str, config: Config, key: bytes) -> Figure:
    messages = iter(BenchWorkload(config.seed, int(config.ingest_seconds * 40_000)))
    bar = progress(config.ingest_seconds, "ingest")
    async with Probe(database_url, nats_url) as probe, Publisher(nats_url, key) as publisher:
        tracker = Tracker(probe, publisher, bar)
        stop = asyncio.Event()
        task = asyncio.create_task(tracker.run(stop))
        await publisher.closed_loop(
            messages, config.ingest_seconds, tracker.pending, config.ingest_cap
        )
        stop.set()
        await task
        bar.close()
        latencies = publisher.latencies_ms()
    with psycopg.connect(database_url) as conn:
        envelopes, rejected = conn.execute(
            "SELECT (SELECT count(*) FROM ingest_envelopes), (SELECT count(*) FROM ingest_rejects)"
        ).fetchone()
    samples = tracker.samples
    events = samples[-1][1] - samples[0][1]
    figure = Figure(
        "ingest → store, sustained",
        count=events,
        seconds=samples[-1][0] - samples[0][0],
        latency="publish → committed (ingest's reply), closed loop",
        target="≥ 10,000 events/s",
        group="ingest",
        rate_override=window_rate(samples),
        extra={
            "envelopes": envelopes,
            "rejected": rejected,
            "events_per_envelope": events / envelopes if envelopes else None,
            "failed_publishes": publisher.failed,
        },
    )
    return figure.with_latencies(latencies)


def run(infra: Infra, config: Config, scratch: Path) -> Figure:
    database_url = infra.fresh_database("ingest")
    asyncio.run(reset_streams(infra.nats_url))
    services = Services(database_url, infra.nats_url, ["ingest"], scratch, free_port())
    with services, RssSampler(services.pids) as rss:
        asyncio.run(wait_for_consumers(infra.nats_url, [DURABLE]))
        key = bus_auth.load_key(scratch)  # the services' (their data folder is `scratch`)
        figure = asyncio.run(measure(database_url, infra.nats_url, config, key))
        services.check_alive()
    figure.rss_mb = rss.peak_mb
    infra.drop_database(database_url)
    return figure
