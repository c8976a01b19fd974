"""Crash trials: every service is killed with SIGKILL at random moments while a producer
publishes a steady stream, and nats-server and PostgreSQL are crashed and restarted under
them. The workload is several workspaces whose envelope, contact and conversation ids
collide. At the end each envelope is stored exactly once, the events hold exactly what
the workload means, and every read model equals a rebuild from the store. Seeded and
repeatable; CHRONICLE_CRASH_TRIALS sets how many trials run (docs/reliability.md)."""

import asyncio
import os
import random
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from adapters.embedded import NatsServer, free_port
from tests.support.chaos import (
    colliding_workload,
    create_streams,
    diagnosis,
    patient_producer,
    settled,
    verify,
)
from tests.support.infra import PrivatePostgres
from tests.support.processes import Fleet
from tests.support.waiting import until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TRIALS = int(os.environ.get("CHRONICLE_CRASH_TRIALS", "2"))
SERVERS = ("nats-server", "postgresql")


class Servers:
    """This trial's own nats-server and PostgreSQL, which it crashes and starts again."""

    def __init__(self, root: Path) -> None:
        self.nats = NatsServer.start(root / "nats", free_port())
        self.pg = PrivatePostgres()

    def crash(self, which: str) -> None:
        if which == "nats-server":
            self.nats.kill()
            self.nats.process = NatsServer.start(self.nats.store_dir, self.nats.port).process
        else:
            self.pg.pg_ctl("restart", "-m", "immediate")  # no shutdown checkpoint: a crash

    def close(self) -> None:
        self.nats.stop()
        self.pg.close()


async def chaos(fleet: Fleet, servers: Servers, rng: random.Random, producing) -> list[str]:
    """Crash something at random moments while the producer runs: each service and server
    once (in a random order), then any, until the producer is done."""
    victims = sorted(fleet.commands) + list(SERVERS)
    crashed: list[str] = []
    each_once = rng.sample(victims, len(victims))
    while not producing.done() or each_once:
        await asyncio.sleep(rng.uniform(0.2, 0.8))  # ok-sleep: random moments to crash at
        victim = each_once.pop() if each_once else rng.choice(victims)
        if victim in SERVERS:
            await asyncio.to_thread(servers.crash, victim)
        else:
            await asyncio.to_thread(fleet.kill, victim)
            fleet.restart(victim)
        fleet.revive()
        crashed.append(victim)
    return crashed


@pytest.mark.parametrize("trial", range(TRIALS))
async def test_everything_crashed_at_random_moments_loses_and_duplicates_nothing(
    settings, trial, tmp_path
):
    rng = random.Random(1000 + trial)
    messages = colliding_workload(trial, 5, "ws_crash", f"t{trial}")
    servers = Servers(tmp_path)
    settings = settings.model_copy(
        update={"nats_url": servers.nats.url, "database_url": servers.pg.url}
    )
    try:
        await create_streams(settings)
        fleet = Fleet(settings).start()
        try:
            progress: list[int] = []
            producing = asyncio.create_task(
                patient_producer(settings.nats_url, messages, 250, progress)
            )
            crashed = await chaos(fleet, servers, rng, producing)
            await producing

            async def caught_up() -> bool:
                fleet.revive()  # as chronicle up's supervisor would
                return await settled(settings)

            try:
                await until(caught_up, within=180, what="services to catch up")
            except AssertionError:
                print(await diagnosis(settings, fleet))
                raise
        finally:
            fleet.stop()
        await verify(settings, messages)
        with psycopg.connect(settings.database_url) as conn:
            repeats = conn.execute("SELECT sum(repeats) FROM ingest_envelopes").fetchone()[0]
            events = conn.execute("SELECT count(*) FROM chronicle_events").fetchone()[0]
    finally:
        servers.close()
    assert set(crashed) >= set(fleet.commands) | set(SERVERS)  # each died at least once
    print(
        f"\ntrial {trial}: {len(messages)} envelopes ({repeats} sent twice), {events} events, "
        f"crashed {dict(Counter(crashed))}"
    )
