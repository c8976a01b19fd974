"""Crash trials: every service is killed with SIGKILL at random moments while a producer
publishes a steady stream, and restarted. At the end each envelope is stored exactly
once, the events hold exactly what the workload means, and every read model equals a
rebuild from the store. Seeded and repeatable; CHRONICLE_CRASH_TRIALS sets how many
trials run (docs/reliability.md)."""

import asyncio
import os
import random
from collections import Counter

import msgspec
import nats
import psycopg
import pytest

from adapters import bus
from projections.registry import PROJECTIONS
from services.ingest.dry_run import Workspace
from services.ingest.service import DURABLE
from services.workload import demo_workload
from tests.support.bus import consumer_backlog
from tests.support.processes import Fleet
from tests.support.readmodels import assert_live_equals_rebuilt
from tests.support.waiting import until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TRIALS = int(os.environ.get("CHRONICLE_CRASH_TRIALS", "2"))


def expected_events(messages) -> Counter:
    """What the store must hold: the workload through the real handlers, in memory."""
    workspaces: dict[str, Workspace] = {}
    counts: Counter = Counter()
    for m in messages:
        envelope = msgspec.json.decode(m.body)
        ws = workspaces.setdefault(envelope["workspace_id"], Workspace(envelope["workspace_id"]))
        counts.update(type(e).TOPIC for e in ws.tell(envelope["type"], envelope["data"]))
    return counts


def interleave(streams: list[list], rng: random.Random) -> list:
    """Merge the workspaces' streams at random, each keeping its own order."""
    streams = [list(s) for s in streams]
    merged = []
    while streams:
        stream = rng.choice(streams)
        merged.append(stream.pop(0))
        if not stream:
            streams.remove(stream)
    return merged


async def create_streams(settings) -> None:
    """As `chronicle up` does before any service starts."""
    nc = await nats.connect(settings.nats_url)
    await bus.ensure_streams(nc.jetstream(), bus.StreamLimits.of(settings))
    await nc.close()


async def steady_producer(url: str, messages, rate: float) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    for n, m in enumerate(messages):
        await js.publish(m.subject, m.body, headers={bus.MSG_ID: m.envelope_id})
        if n % 20 == 19:
            await asyncio.sleep(20 / rate)  # ok-sleep: the producer's pace
    await nc.close()


async def chaos(fleet: Fleet, rng: random.Random, producing: asyncio.Task) -> list[str]:
    """Kill a service at random moments while the producer runs: each one once (in a
    random order), then any, until the producer is done."""
    killed: list[str] = []
    each_once = rng.sample(sorted(fleet.commands), len(fleet.commands))
    while not producing.done() or each_once:
        await asyncio.sleep(rng.uniform(0.2, 0.8))  # ok-sleep: random moments to crash at
        victim = each_once.pop() if each_once else rng.choice(sorted(fleet.commands))
        await asyncio.to_thread(fleet.kill, victim)
        fleet.restart(victim)
        killed.append(victim)
    return killed


async def settled(settings) -> bool:
    try:
        if await consumer_backlog(settings.nats_url, bus.INGEST_STREAM, DURABLE):
            return False
    except nats.js.errors.NotFoundError:  # the ingest service has not come up yet
        return False
    with psycopg.connect(settings.database_url) as conn:
        head = conn.execute(
            "SELECT coalesce(max(notification_id), 0) FROM chronicle_events"
        ).fetchone()[0]
        for name in PROJECTIONS:
            try:
                row = conn.execute(f"SELECT position FROM rm_{name}.tracking").fetchone()
            except psycopg.errors.UndefinedTable:
                return False
            if not row or row[0] < head:
                return False
    return head > 0


async def diagnosis(settings, fleet: Fleet) -> str:
    lines = []
    try:
        backlog = await consumer_backlog(settings.nats_url, bus.INGEST_STREAM, DURABLE)
        lines.append(f"ingest backlog: {backlog}")
    except Exception as e:
        lines.append(f"ingest backlog: {e!r}")
    with psycopg.connect(settings.database_url) as conn:
        lines.append(
            "head: "
            + str(conn.execute("SELECT max(notification_id) FROM chronicle_events").fetchone())
        )
        for name in PROJECTIONS:
            try:
                lines.append(
                    f"{name}: {conn.execute(f'SELECT * FROM rm_{name}.tracking').fetchall()}"
                )
            except psycopg.Error as e:
                conn.rollback()
                lines.append(f"{name}: {e}")
    for name, process in fleet.processes.items():
        lines.append(f"--- {name} (exit {process.process.poll()}):")
        lines.append(process.output()[-2500:])
    return "\n".join(lines)


@pytest.mark.parametrize("trial", range(TRIALS))
async def test_services_killed_at_random_moments_lose_and_duplicate_nothing(settings, trial):
    rng = random.Random(1000 + trial)
    messages = interleave(
        [demo_workload(trial * 10 + w, f"ws_crash{w}", f"t{trial}w{w}") for w in range(5)], rng
    )
    await create_streams(settings)
    fleet = Fleet(settings).start()
    try:
        producing = asyncio.create_task(steady_producer(settings.nats_url, messages, rate=250))
        killed = await chaos(fleet, rng, producing)
        await producing
        try:
            await until(lambda: settled(settings), within=120, what="services to catch up")
        except AssertionError:
            print(await diagnosis(settings, fleet))
            raise
    finally:
        fleet.stop()
    with psycopg.connect(settings.database_url) as conn:
        ledger = conn.execute("SELECT count(*) FROM ingest_envelopes").fetchone()[0]
        rejects = conn.execute("SELECT count(*) FROM ingest_rejects").fetchone()[0]
        stored = Counter(
            dict(
                conn.execute(
                    "SELECT topic, count(*) FROM chronicle_events GROUP BY topic"
                ).fetchall()
            )
        )
    assert set(killed) == set(fleet.commands)  # every service died at least once
    assert (ledger, rejects) == (len(messages), 0)
    assert stored == expected_events(messages)
    await assert_live_equals_rebuilt(settings.database_url)
    print(
        f"\ntrial {trial}: {len(messages)} envelopes, {sum(stored.values())} events, "
        f"killed {dict(Counter(killed))}"
    )
