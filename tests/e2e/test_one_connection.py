"""Each of Chronicle's processes holds one NATS connection (issue 19): every process kind
`chronicle up` starts, run by its supervisor with its own bus identity against a private
nats-server with monitoring on, its connections counted on the server's /connz by name."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from adapters.embedded import NatsServer, free_port
from services.cli.stack import free_run
from services.hosted.run import migrate
from services.hosted.supervisor import Supervisor
from tests.support.waiting import all_ready, until

pytestmark = pytest.mark.e2e

# The name each process's connection carries: one each. The API reads the store and
# listens to PostgreSQL for its live feeds: it holds none.
ONE_EACH = Counter(
    {
        "chronicle-ingest": 1,
        "chronicle-relay": 1,
        "chronicle-projectors": 1,
        "chronicle-sender": 1,
        "chronicle-poller": 1,
    }
)


async def test_each_process_holds_one_nats_connection(settings, tmp_path):
    nats = NatsServer.start(tmp_path / "nats", free_port(), monitor_port=free_port())
    settings = settings.model_copy(update={"nats_url": nats.url, "data_dir": tmp_path})
    # What `chronicle up` does first (its connection closes when done).
    await asyncio.to_thread(migrate, settings)
    env = {
        "CHRONICLE_DATABASE_URL": settings.database_url,
        "CHRONICLE_NATS_URL": nats.url,
        "CHRONICLE_DATA_DIR": str(tmp_path),
        "CHRONICLE_BUS_KEY": settings.bus_key,
        "CHRONICLE_CHECKPOINT_INTERVAL": "0",
        "CHRONICLE_API_PORT": str(free_port()),
        # Each process's ops endpoint at base + its place: a run of free ports, as `up` finds.
        "CHRONICLE_METRICS_PORT": str(free_run(free_port(), 6)),
    }
    supervisor = Supervisor(env, tmp_path / "logs", nats_url_for=nats.url_for)
    ports = {
        name: int(supervisor.own_env(name)["CHRONICLE_METRICS_PORT"])
        for name in supervisor.commands
    }
    assert set(ports) == {"ingest", "relay", "projectors", "sender", "poller", "api"}
    supervisor.start()
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            # Ready: each started (its consumers and loops too) and its watchdog says ok.
            await until(
                lambda: all_ready(http, ports.values()),
                within=120,
                what="every process to be ready",
            )
            connz = (
                await http.get(f"http://127.0.0.1:{nats.monitor_port}/connz?limit=1000")
            ).json()
    finally:
        supervisor.stop()
        nats.stop()
    assert not supervisor.restarts, "a process died: see its log under tmp_path/logs"
    by_name = Counter(c.get("name") for c in connz["connections"])
    assert by_name == ONE_EACH
