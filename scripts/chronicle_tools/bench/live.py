"""`scripts/bench live`: how fast live streams push, and what their subscribers cost.

On private PostgreSQL and NATS (in a temporary folder) with every service in its own
process, as `chronicle up` runs them:
1. latency: `busy` subscribers follow the timelines of `busy` contacts (and `idle` more
   follow contacts that get nothing); a producer publishes activities on the bus at
   `rate` a second for `seconds`, round-robin over the busy contacts; each one's latency
   is from the moment it was handed to NATS to the moment its entry arrived over SSE;
2. memory: the API process's resident size before and with the idle subscribers;
3. projector throughput: the stored activities applied again to the timeline read
   model in live-sized transactions (see live_replay.py), without subscribers
   and then with the idle and busy ones following along;
4. the live feed alone: the same activities committed again at `rate` a second in
   small transactions while every subscriber follows: commit -> SSE entry, without
   ingest and relay in the way.
Self-contained: `run(settings, options)` returns the figures, `report` prints them.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

from adapters.embedded import free_port, infrastructure
from adapters.processes import quiet_garbage_collector
from adapters.settings import Settings
from chronicle_tools.bench.live_clients import (
    cpu_seconds,
    ops_health,
    ready,
    received,
    stalled,
    subscribe,
    subscribers_are,
    wait,
)
from chronicle_tools.bench.live_load import Announcements, contacts, paced, percentile, publish
from chronicle_tools.bench.live_replay import paced_commits, throughput
from chronicle_tools.demo.run import ingest_backlog, wait_for_api
from services.api.tokens import create_token
from services.hosted.run import migrate
from services.hosted.supervisor import Supervisor


@dataclass(frozen=True)
class Options:
    rate: float = 1000.0
    seconds: float = 10.0
    busy: int = 100
    idle: int = 1000
    batch: int = 50  # events per transaction in the throughput replay
    rounds: int = 3
    stalled: int = 10  # grid subscribers that never read
    workspace: str = "ws_bench_live"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(settings: Settings, options: Options) -> dict:
    with (
        tempfile.TemporaryDirectory(prefix="chronicle-bench-live-") as folder,
        infrastructure(None, None, Path(folder)) as servers,
    ):
        db, nats = servers.database_url, servers.nats_url
        settings = settings.model_copy(update={"database_url": db, "nats_url": nats})
        migrate(settings)
        port = free_port()
        env = {"CHRONICLE_DATABASE_URL": db, "CHRONICLE_NATS_URL": nats}
        env |= {"CHRONICLE_API_PORT": str(port), "CHRONICLE_LOG_LEVEL": "warning"}
        # Each process's ops endpoint from this port on (the API's /health details live there).
        env["CHRONICLE_METRICS_PORT"] = str(free_port())
        # Every subscriber of the bench uses one token in one workspace: the API's limits
        # on those (docs/live.md) would refuse the many subscribers it sets out to measure.
        streams = str(options.busy + options.idle + options.stalled)
        env |= {
            "CHRONICLE_LIVE_MAX_PER_TOKEN": streams,
            "CHRONICLE_LIVE_MAX_PER_WORKSPACE": streams,
        }
        supervisor = Supervisor(env, log_dir=Path(folder) / "logs")
        supervisor.start()
        try:
            api = f"http://127.0.0.1:{port}"
            ops = f"http://127.0.0.1:{supervisor.own_env('api')['CHRONICLE_METRICS_PORT']}"
            wait_for_api(api)
            quiet_garbage_collector()  # its 1,100 clients would pause as the API's would
            return asyncio.run(_bench(db, nats, api, ops, supervisor, options))
        finally:
            supervisor.stop()


async def _bench(
    db: str, nats: str, api: str, ops: str, supervisor: Supervisor, o: Options
) -> dict:
    with psycopg.connect(db, autocommit=True) as conn:
        token = create_token(conn, o.workspace, "u_bench", "admin", label="bench-live")
    busy = [f"busy-{i}" for i in range(o.busy)]
    idle = [f"idle-{i}" for i in range(o.idle)]

    async def health() -> dict:
        return await ops_health(ops)

    async def settled() -> bool:
        h = await health()
        lagging = any(p["lag_events"] for p in h["projections"].values())
        return not lagging and not await ingest_backlog(nats)

    await publish(nats, contacts(o.workspace, busy + idle))
    await wait(settled, "the contacts")
    contacts_position = (await health())["projections"]["timeline"]["position"]
    api_pid = supervisor.processes["api"].pid
    figures: dict = {"options": o.__dict__, "api_rss_mib": {"baseline": rss_mib(api_pid)}}

    subscribers = await subscribe(api, ops, token, idle, [])
    figures["api_rss_mib"]["with_idle"] = rss_mib(api_pid)
    subscribers.open(busy)
    await wait(lambda: ready(subscribers, o.idle + o.busy), "every subscriber")
    port = int(api.rsplit(":", 1)[1])
    stuck = [await stalled(port, token, "/v1/activities/live") for _ in range(o.stalled)]
    await wait(lambda: subscribers_are(health, o.idle + o.busy + o.stalled), "stalled subscribers")
    figures["api_rss_mib"]["with_idle_and_busy"] = rss_mib(api_pid)
    total = int(o.rate * o.seconds)
    pids = {name: p.pid for name, p in supervisor.processes.items()} | {"bench": os.getpid()}
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    announcements = Announcements(db)
    listening = asyncio.create_task(announcements.listen())
    sent = await paced(nats, o.workspace, busy, o.rate, total)
    await wait(
        lambda: received(subscribers, total),
        "every entry",
        within=60 + o.seconds,
        status=lambda: f"{len(subscribers.received)} of {total} arrived",
    )
    listening.cancel()
    figures["cpu_seconds"] = {n: cpu_seconds(p) - cpu_before[n] for n, p in pids.items()}
    figures["hub"] = (await health())["live"]
    figures["api_rss_mib"]["after_the_run_with_stalled"] = rss_mib(api_pid)
    for writer in stuck:
        writer.close()
    latencies = [subscribers.received[a] - sent[a] for a in sent if a in subscribers.received]
    to_announced, to_received = announcements.split(subscribers.arrivals)
    figures["latency_ms"] = {
        "p50": 1000 * percentile(latencies, 0.50),
        "p99": 1000 * percentile(latencies, 0.99),
        "max": 1000 * max(latencies),
        "stored_to_received_p50": 1000 * percentile(subscribers.stored_to_received, 0.5),
        "stored_to_received_p99": 1000 * percentile(subscribers.stored_to_received, 0.99),
        "stored_to_announced_p50": 1000 * percentile(to_announced, 0.5),
        "stored_to_announced_p99": 1000 * percentile(to_announced, 0.99),
        "announced_to_received_p50": 1000 * percentile(to_received, 0.5),
        "announced_to_received_p99": 1000 * percentile(to_received, 0.99),
        "delivered": len(latencies),
        "published": total,
        "publish_rate": total / sent["_seconds"],
    }
    await subscribers.close()
    await wait(lambda: subscribers_are(health, 0), "the subscribers to be gone")
    at = {"contacts": contacts_position, "head": (await health())["store_position"]}
    figures["throughput"] = await throughput(db, api, ops, token, supervisor, o, busy, idle, at)
    figures["commit_to_received_ms"] = await paced_commits(
        db, api, ops, token, o, busy, idle, at, api_pid
    )
    return figures


def report(figures: dict) -> str:
    o, lat, rss, tp = (figures[k] for k in ("options", "latency_ms", "api_rss_mib", "throughput"))
    cr = figures["commit_to_received_ms"]
    per_idle = 1024 * (rss["with_idle"] - rss["baseline"]) / max(o["idle"], 1)
    alone, idle, busy = (tp[k]["median"] for k in ("alone", "idle", "idle_and_busy"))
    return "\n".join(
        [
            f"push latency, publish -> SSE entry, {lat['publish_rate']:.0f} events/s, "
            f"{o['busy']} busy + {o['idle']} idle subscribers:",
            f"  p50 {lat['p50']:.1f} ms   p99 {lat['p99']:.1f} ms   max {lat['max']:.1f} ms   "
            f"({lat['delivered']}/{lat['published']} delivered)",
            f"  of which from the event store's commit on: p50 "
            f"{lat['stored_to_received_p50']:.1f} ms, p99 {lat['stored_to_received_p99']:.1f} ms; "
            f"from the projector's announcement on: p50 {lat['announced_to_received_p50']:.1f} ms, "
            f"p99 {lat['announced_to_received_p99']:.1f} ms",
            f"live feed alone (the stored activities committed again at "
            f"{cr['rate']:.0f} events/s, transactions of 10): commit -> SSE entry p50 "
            f"{cr['p50']:.1f} ms, p99 {cr['p99']:.1f} ms, max {cr['max']:.1f} ms "
            f"({cr['delivered']} entries)",
            f"API resident memory: {rss['baseline']:.0f} MiB alone, {rss['with_idle']:.0f} MiB "
            f"with {o['idle']} idle subscribers ({per_idle:.0f} KiB each), "
            f"{rss['with_idle_and_busy']:.0f} MiB with the busy ones too, "
            f"{rss['after_the_run_with_stalled']:.0f} MiB after the run, with "
            f"{o['stalled']} grid subscribers that never read",
            f"timeline projector, {tp['events']} events in transactions of {o['batch']} "
            f"(median of {o['rounds']}): {alone:.0f} events/s alone, {idle:.0f} with "
            f"{o['idle']} idle subscribers ({100 * idle / alone:.0f}%), {busy:.0f} with "
            f"{o['idle']} idle + {o['busy']} busy ones ({100 * busy / alone:.0f}%); the API "
            f"meanwhile used {tp['alone']['api_cpu_share']:.0%}, "
            f"{tp['idle']['api_cpu_share']:.0%} and {tp['idle_and_busy']['api_cpu_share']:.0%} "
            "of a core",
        ]
    )
