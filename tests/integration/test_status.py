"""`chronicle status`: each projection's lag, from the store and the streams alone."""

import json
import os
import re
import subprocess
import sys

import psycopg
import pytest

from adapters.eventstore import EventStore
from chronicle_tools.workload import demo_workload
from projections.engine.partitioning import adopt
from projections.engine.runner import ProjectionRunner
from projections.engine.source import Slot
from projections.registry import PROJECTIONS, projection
from services.relay import Relay
from tests.support.store import ingest
from tests.support.waiting import until

pytestmark = pytest.mark.integration


def chronicle(settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CHRONICLE_DATABASE_URL": settings.database_url,
        "CHRONICLE_NATS_URL": settings.nats_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def three_envelopes_nobody_ingested(nats_url: str) -> None:
    from nats.js.api import AckPolicy, ConsumerConfig

    from adapters import bus

    nc = await bus.connect(nats_url, "status-test")
    js = nc.jetstream()
    await js.add_consumer(
        bus.INGEST_STREAM,
        ConsumerConfig(durable_name="chronicle-ingest", ack_policy=AckPolicy.EXPLICIT),
    )
    for n in range(3):
        await js.publish("audit.ingest.ws_st_a.contact.added", f"{{}}{n}".encode())
    await nc.close()


async def test_status_shows_each_projections_lag_without_any_service(settings):
    with EventStore(settings.database_url) as store:
        first = ingest(store, demo_workload(3, "ws_st_a", "a"))
        total = first + ingest(store, demo_workload(4, "ws_st_b", "b"))
    relay = Relay(settings)
    await relay.start()
    await until(lambda: _at(relay, total), what="the relay at the head")
    await relay.stop()
    async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True) as c:
        for name in PROJECTIONS:
            await projection(name).create(c)
        await ProjectionRunner(projection("timeline")).catch_up(c)
        await ProjectionRunner(projection("audit_trail")).catch_up(c, upto=first)
        grid = projection("activity_grid")
        await adopt(c, grid, 2)
        await ProjectionRunner(grid, slot=Slot(0, 2)).catch_up(c)
    await three_envelopes_nobody_ingested(settings.nats_url)
    done = chronicle(settings, "status", "--json")
    text = chronicle(settings, "status")
    strict = chronicle(settings, "status", "--max-lag", "0")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    lags = {c["name"]: c for c in status["consumers"]}
    assert status["head"] == total
    assert status["streams"]["AUDIT_EVENTS"]["messages"] == total
    assert lags["relay"]["lag_events"] == 0
    assert status["ingest_backlog"] == {"chronicle-ingest": 3}
    assert "ingest (chronicle-ingest)" in text.stdout
    assert lags["timeline"]["lag_events"] == 0 and lags["timeline"]["lag_seconds"] == 0
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", lags["relay"]["last_progress_at"]
    )
    assert lags["audit_trail"]["position"] == first
    assert lags["audit_trail"]["lag_events"] == total - first
    assert lags["audit_trail"]["lag_seconds"] > 0
    assert lags["conversations"]["lag_events"] == total
    grid_lags = [lags["activity_grid p0/2"]["lag_events"], lags["activity_grid p1/2"]["lag_events"]]
    assert grid_lags[0] == 0 and grid_lags[1] > 0  # one partition caught up, the other not
    assert "audit_trail" in text.stdout and "AUDIT_EVENTS" in text.stdout
    assert strict.returncode == 1  # some consumer is behind


async def _at(relay: Relay, position: int) -> bool:
    return relay.position == position
