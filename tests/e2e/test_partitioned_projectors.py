"""Projector hosts as separate processes, one per partition of the events stream, on one
NATS: every event applied once, each workspace in order, live equal to a rebuild, even
when a worker is killed mid-stream."""

from itertools import zip_longest

import psycopg
import pytest

from adapters import bus
from chronicle_tools.workload import demo_workload
from projections.engine.source import Slot, projection_lag
from projections.registry import PROJECTIONS, projection
from services.ingest.service import IngestService
from services.projector import durable_name
from services.relay import Relay
from tests.support.bus import publish_all
from tests.support.processes import ServiceProcess
from tests.support.readmodels import assert_live_equals_rebuilt
from tests.support.scenario import read_side_scenario
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
PARTITIONS = 3


def worker(settings, index: int) -> ServiceProcess:
    process = ServiceProcess(settings, "projectors", "timeline", "--partition", str(index))
    process.env["CHRONICLE_PROJECTOR_PARTITIONS"] = str(PARTITIONS)
    process.env["CHRONICLE_WATCH_INTERVAL"] = "0.5"
    return process.start()


async def test_projector_processes_over_partitions_apply_everything_once(settings):
    settings = settings.model_copy(update={"projector_partitions": PARTITIONS})
    ingest, relay = IngestService(settings), Relay(settings)
    workers = [worker(settings, i) for i in range(PARTITIONS)]
    streams = [demo_workload(70 + n, f"ws_pp{n}", f"pp{n}") for n in range(9)]
    streams.append(read_side_scenario("ws_pp_read"))
    interleaved = [m for group in zip_longest(*streams) for m in group if m is not None]
    half = len(interleaved) // 2
    timeline = projection("timeline")

    async def watermarks():
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            head = (
                await (
                    await conn.execute("SELECT max(notification_id) FROM chronicle_events")
                ).fetchone()
            )[0]
            try:
                marks = await timeline.watermarks(conn)
            except psycopg.errors.UndefinedTable:
                return None
            return head, marks

    async def applied() -> bool:
        """Each partition has applied all of its own events."""
        found = await watermarks()
        if not found or not found[0] or set(found[1]) != set(range(PARTITIONS)):
            return False
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            return (await projection_lag(conn, timeline))[0] == 0

    async def level() -> bool:
        """Quiet partitions, too, have moved their watermark to the head."""
        head, marks = await watermarks()
        return set(marks.values()) == {head}

    await ingest.start()
    await relay.start()
    try:
        await publish_all(settings.nats_url, interleaved[:half])
        workers[1].kill()  # mid-stream, no goodbye
        await publish_all(settings.nats_url, interleaved[half:])
        workers[1] = worker(settings, 1)
        await until(applied, within=90, what="every partition's events applied")
        await until(level, within=30, what="every watermark at the store's head")
        nc = await bus.connect(settings.nats_url, "test")
        js = nc.jetstream()
        every = list(PROJECTIONS)
        delivered = [
            (
                await js.consumer_info(
                    bus.EVENTS_STREAM, durable_name(["timeline"], every, Slot(i, PARTITIONS))
                )
            )
            for i in range(PARTITIONS)
        ]
        await nc.close()
    finally:
        for w in workers:
            w.stop()
        await relay.stop()
        await ingest.stop()
    assert all(info.delivered.stream_seq > 0 for info in delivered)  # each had its share
    assert all(info.config.filter_subject.endswith(f".{i}") for i, info in enumerate(delivered))
    with psycopg.connect(settings.database_url) as conn:
        entries = conn.execute(
            "SELECT count(DISTINCT position) FROM rm_timeline.entries"
        ).fetchone()[0]
        rejects = conn.execute("SELECT count(*) FROM ingest_rejects").fetchone()[0]
        badges = conn.execute("SELECT sum(count) FROM rm_timeline.badges").fetchone()[0]
    assert rejects == 0 and entries > 0 and badges > 0
    await assert_live_equals_rebuilt(settings.database_url, ["timeline"])
