"""The relay alone: a store already holding `relay_events` events, the relay started with
nothing else running; the rate is how fast the events stream receives them all, in order,
each with its MAC (services/relay.py), beside raw JetStream publishing in the same run."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from adapters.embedded import free_port
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import Infra, reset_streams
from chronicle_tools.bench.loader import load_store
from chronicle_tools.bench.measure import CpuMeter, Figure, RssSampler, progress
from chronicle_tools.bench.stack import Probe, Services
from chronicle_tools.bench.workload import BenchWorkload


async def _relayed(probe: Probe, total: int, bar) -> list[tuple[float, int]]:
    samples = []
    while True:
        position = (await probe.stages())["relay"]
        samples.append((time.monotonic(), position))
        bar.update(position - bar.n)
        if position >= total:
            return samples
        await asyncio.sleep(0.02)


def run(infra: Infra, config: Config, scratch: Path) -> list[Figure]:
    database_url = infra.fresh_database("relay")
    asyncio.run(reset_streams(infra.nats_url))
    bar = progress(config.relay_events, "relay: filling the store", unit="events")
    loaded = load_store(
        database_url,
        iter(BenchWorkload(config.seed, config.relay_events * 2)),
        config.relay_events,
        progress=bar.update,
    )
    bar.close()
    services = Services(database_url, infra.nats_url, ["relay"], scratch, free_port())
    with services, RssSampler(services.pids) as rss:
        cpu = CpuMeter(services.named_pids)
        cpu.start()
        bar = progress(loaded.events, "relay alone", unit="events")

        async def measure():
            async with Probe(database_url, infra.nats_url) as probe:
                return await _relayed(probe, loaded.events, bar)

        samples = asyncio.run(measure())
        cpu.stop()
        bar.close()
        services.check_alive()
    infra.drop_database(database_url)
    figure = Figure(
        "relay alone: store → events stream",
        count=loaded.events,
        seconds=samples[-1][0] - samples[0][0],
        latency="",
        target="not the pipeline's limit",
        group="pipeline",
        rss_mb=rss.peak_mb,
        extra={"cpu_us_per_event": cpu.per_event_us(loaded.events)},
    )
    return [figure]
