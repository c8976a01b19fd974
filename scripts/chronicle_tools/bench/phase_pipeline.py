"""Phase 2, the full pipeline: publish → stored → relayed → every read model caught up.

Every service runs as its own process. (a) Sustained: a closed-loop producer keeps at most
`pipeline_cap` events published but not yet visible in every read model; the rate is how
fast the least advanced read model moves. (b) End-to-end latency at a steady rate
(1,000 events/s): every envelope asks for the ingest reply (its position); a poller reads
every read model's tracking position every 5 ms; an envelope is visible when all of them
have passed its position (the rows and the position commit together).
"""

from __future__ import annotations

import asyncio
import bisect
import time
from pathlib import Path

from adapters.bus import auth as bus_auth
from adapters.embedded import free_port
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import Infra, reset_streams
from chronicle_tools.bench.measure import (
    CpuMeter,
    Figure,
    RssSampler,
    percentiles,
    progress,
    window_rate,
)
from chronicle_tools.bench.producer import Publisher
from chronicle_tools.bench.stack import Probe, Services, wait_for_consumers
from chronicle_tools.bench.workload import BenchWorkload
from services.hosted.supervisor import service_commands
from services.ingest.service import DURABLE


class Visibility:
    """(time, least read-model position) every `interval` seconds, and the ingest backlog."""

    def __init__(self, probe: Probe, publisher: Publisher, interval: float) -> None:
        self.probe, self.publisher, self.interval = probe, publisher, interval
        self.samples: list[tuple[float, int]] = []
        self.stages: dict[str, list[tuple[float, int]]] = {}
        self.backlog = self.stored = self.published_at = 0
        self.stop = asyncio.Event()

    async def run(self, bar=None) -> None:
        last_slow = 0.0
        while not self.stop.is_set():
            now = time.monotonic()
            self.samples.append((now, await self.probe.visible()))
            if now - last_slow > 0.1:  # the bus and the store less often
                self.published_at = self.publisher.published
                self.backlog = await self.probe.ingest_backlog()
                for stage, position in (await self.probe.stages()).items():
                    self.stages.setdefault(stage, []).append((now, position))
                self.stored, last_slow = self.stages["store"][-1][1], now
                if bar is not None:
                    bar.set_postfix(visible=self.samples[-1][1], stored=self.stored, refresh=False)
                    bar.update(min(int(now - self.samples[0][0]), bar.total) - bar.n)
            await asyncio.sleep(self.interval)

    async def pending(self) -> int:
        visible = self.samples[-1][1] if self.samples else 0
        unsampled = self.publisher.published - self.published_at
        return self.backlog + max(self.stored - visible, 0) + unsampled

    def visible_at(self, positions: list[int], position: int) -> float | None:
        """When `position` was first visible everywhere (`positions`: the sampled ones)."""
        i = bisect.bisect_left(positions, position)
        return self.samples[i][0] if i < len(self.samples) else None


async def until_settled(probe: Probe, within: float = 300) -> None:
    deadline = time.monotonic() + within
    while await probe.ingest_backlog() or await probe.visible() < await probe.stored():
        if time.monotonic() > deadline:
            raise TimeoutError("the pipeline did not settle")
        await asyncio.sleep(0.05)


async def measure(
    database_url: str, nats_url: str, config: Config, cpu: CpuMeter, key: bytes
) -> tuple[Figure, Figure]:
    total = int((config.pipeline_seconds + config.steady_seconds) * 40_000) + 1000
    messages = iter(BenchWorkload(config.seed, total))
    async with Probe(database_url, nats_url) as probe:
        async with Publisher(nats_url, key, sample_every=10) as pub:
            seen = Visibility(probe, pub, 0.02)
            bar = progress(config.pipeline_seconds, "pipeline, sustained")
            task = asyncio.create_task(seen.run(bar))
            cpu.start()
            await pub.closed_loop(
                messages, config.pipeline_seconds, seen.pending, config.pipeline_cap
            )
            cpu.stop()
            seen.stop.set()
            await task
            bar.close()
        sustained = Figure(
            "pipeline: publish → every read model, sustained",
            count=seen.samples[-1][1] - seen.samples[0][1],
            seconds=seen.samples[-1][0] - seen.samples[0][0],
            rate_override=window_rate(seen.samples),
            latency="publish → visible in every read model, closed loop",
            target="≥ 5,000 events/s",
            group="pipeline",
            extra={
                "stage_events_per_s": {k: window_rate(v) for k, v in seen.stages.items()},
                "failed_publishes": pub.failed,
                # over the closed loop: every service's CPU, by the events stored meanwhile
                "cpu_us_per_event": cpu.per_event_us(seen.stored - seen.stages["store"][0][1]),
            },
        )
        sustained.with_latencies(_end_to_end(pub, seen))
        await until_settled(probe)
        async with Publisher(nats_url, key, sample_every=1) as pub:
            seen = Visibility(probe, pub, 0.005)
            task = asyncio.create_task(
                seen.run(progress(config.steady_seconds, "pipeline, steady"))
            )
            await pub.paced(messages, config.steady_rate / 1.05, config.steady_seconds)
            await until_settled(probe)
            seen.stop.set()
            await task
        steady = Figure(
            f"pipeline: end-to-end at {config.steady_rate:,.0f} events/s",
            count=seen.samples[-1][1] - seen.samples[0][1],
            seconds=config.steady_seconds,
            latency="publish → visible in every read model (5 ms polling)",
            target="p99 ≤ 50 ms",
            group="latency",
        )
        steady.extra["stages_ms"] = _stages(pub, seen)
        return sustained, steady.with_latencies(_end_to_end(pub, seen))


def _stages(pub: Publisher, seen: Visibility) -> dict[str, dict[str, float | None]]:
    """Where the end-to-end time goes: publish → stored (the ingest verdict's arrival),
    then stored → visible in every read model (relay, bus, projector host)."""
    stored, after = [], []
    positions = [p for _, p in seen.samples]
    for sent, answered, position, status in pub.replies:
        if status == "accepted" and position is not None:
            stored.append((answered - sent) * 1000)
            visible = seen.visible_at(positions, position)
            if visible is not None:
                after.append(max(visible - answered, 0) * 1000)
    return {
        name: dict(zip(("p50", "p95", "p99"), percentiles(values), strict=True))
        for name, values in (("publish → stored", stored), ("stored → visible", after))
    }


def _end_to_end(pub: Publisher, seen: Visibility) -> list[float]:
    out, positions = [], [p for _, p in seen.samples]
    for sent, _, position, status in pub.replies:
        if status == "accepted" and position is not None:
            visible = seen.visible_at(positions, position)
            if visible is not None:
                out.append((max(visible, sent) - sent) * 1000)
    return out


def run(infra: Infra, config: Config, scratch: Path) -> list[Figure]:
    database_url = infra.fresh_database("pipeline")
    asyncio.run(reset_streams(infra.nats_url))
    # The email sender and poller have nothing to do in this workload (no mailbox is
    # connected): they would only compete for the two cores.
    names = [n for n in service_commands() if n not in ("sender", "poller")]
    services = Services(database_url, infra.nats_url, names, scratch, free_port())
    with services, RssSampler(services.pids) as rss:
        durables = [DURABLE, "chronicle-projectors"]
        asyncio.run(wait_for_consumers(infra.nats_url, durables))
        cpu = CpuMeter(services.named_pids)
        key = bus_auth.load_key(scratch)  # the services' (their data folder is `scratch`)
        figures = asyncio.run(measure(database_url, infra.nats_url, config, cpu, key))
        services.check_alive()
    for figure in figures:
        figure.rss_mb = rss.peak_mb
    infra.drop_database(database_url)
    return list(figures)
