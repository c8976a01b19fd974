"""Infrastructure faults mid-stream: nats-server restarted or killed, PostgreSQL's
connections dropped, PostgreSQL stalled, PostgreSQL restarted. The services reconnect,
keep their positions and catch up; nothing is lost or duplicated; a stuck consumer shows
in the logs and on /health."""

import asyncio
from pathlib import Path

import httpx
import nats
import nats.errors
import nats.js.errors
import psycopg
import pytest

from adapters import bus
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
from tests.support.processes import Fleet, ServiceProcess
from tests.support.waiting import until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
FAST_WATCH = {"stuck_after": 1.0, "watch_interval": 0.3}


def workload(seed: int, workspaces: int = 4) -> list:
    return colliding_workload(seed, workspaces, "ws_fault", f"f{seed}")


async def run_with_fault(settings, messages, fault, *, at: int) -> Fleet:
    """Start every service, publish, inject `fault` once `at` messages are out, settle."""
    await create_streams(settings)
    fleet = Fleet(settings).start()
    progress: list[int] = []
    try:
        await until(lambda: services_up(settings), within=60, what="every service to start")
        producing = asyncio.create_task(
            patient_producer(settings.nats_url, messages, 150, progress)
        )
        await until(lambda: _reached(progress, at), within=60, what="the stream to be going")
        await fault()
        await producing
        try:
            await until(lambda: settled(settings), within=60, what="services to catch up")
        except AssertionError:
            print(await diagnosis(settings, fleet))
            raise
    finally:
        fleet.stop()
    return fleet


async def services_up(settings) -> bool:
    """The ingest consumer exists and every projection has its tracking row."""
    from projections.registry import PROJECTIONS
    from services.ingest.service import DURABLE

    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().consumer_info(bus.INGEST_STREAM, DURABLE)
    except nats.js.errors.NotFoundError:
        return False
    finally:
        await nc.close()
    with psycopg.connect(settings.database_url) as conn:
        for name in PROJECTIONS:
            try:
                conn.execute(f"SELECT 1 FROM rm_{name}.tracking").fetchone()
            except psycopg.errors.UndefinedTable:
                return False
    return True


async def _reached(progress: list[int], n: int) -> bool:
    return len(progress) >= n


@pytest.fixture
def private_nats(tmp_path: Path):
    server = NatsServer.start(tmp_path / "nats", free_port())
    yield server
    server.stop()


async def test_nats_server_restarted_and_then_killed_mid_stream(settings, private_nats):
    settings = settings.model_copy(update={"nats_url": private_nats.url})
    messages = workload(1)

    async def fault():
        await asyncio.to_thread(private_nats.restart)  # a clean restart, JetStream on disk
        await asyncio.sleep(1.0)  # ok-sleep: let traffic resume between the two faults
        await asyncio.to_thread(private_nats.kill)  # then a crash
        private_nats.process = NatsServer.start(private_nats.store_dir, private_nats.port).process

    await run_with_fault(settings, messages, fault, at=len(messages) // 3)
    await verify(settings, messages)


async def test_postgres_connections_dropped_again_and_again(settings):
    messages = workload(2)
    name = psycopg.conninfo.conninfo_to_dict(settings.database_url)["dbname"]

    dropped = []

    async def fault():
        for _ in range(4):
            with psycopg.connect(settings.database_url, autocommit=True) as conn:
                dropped.append(
                    conn.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()",
                        (name,),
                    ).fetchone()[0]
                )
            await asyncio.sleep(0.7)  # ok-sleep: between drops, traffic goes on

    await run_with_fault(settings, messages, fault, at=len(messages) // 4)
    await verify(settings, messages)
    assert sum(dropped) >= 4  # connections of the services really went, again and again


async def test_postgres_stalled_then_released_and_the_stall_is_logged(settings):
    settings = settings.model_copy(update=FAST_WATCH)
    messages = workload(3)
    holder = await psycopg.AsyncConnection.connect(settings.database_url)

    async def fault():
        async with holder.transaction():  # writes to the event store wait for 4 s
            await holder.execute("LOCK TABLE chronicle_events IN EXCLUSIVE MODE")
            await asyncio.sleep(4)  # ok-sleep: the length of the stall being simulated

    fleet = await run_with_fault(settings, messages, fault, at=len(messages) // 4)
    await holder.close()
    await verify(settings, messages)
    assert "ingest.stuck" in fleet.processes["ingest"].output()


async def test_postgres_restarted_mid_stream(settings):
    pg = PrivatePostgres()
    try:
        settings = settings.model_copy(update={"database_url": pg.url})
        messages = workload(4, workspaces=3)
        await run_with_fault(
            settings, messages, lambda: asyncio.to_thread(pg.restart), at=len(messages) // 3
        )
        await verify(settings, messages)
    finally:
        pg.close()


async def test_a_dead_projector_host_shows_as_stuck_until_it_is_back(settings):
    settings = settings.model_copy(update={**FAST_WATCH, "api_port": free_port()})
    await create_streams(settings)
    fleet = Fleet(settings).start()
    api = ServiceProcess(settings, "api")
    api.env["CHRONICLE_API_PORT"] = str(settings.api_port)
    api.env["CHRONICLE_STUCK_AFTER"] = "1"
    ops = free_port()  # the API process's ops endpoint: the details are for operators only
    api.env["CHRONICLE_METRICS_PORT"] = str(ops)
    api.start()
    url = f"http://127.0.0.1:{ops}/health"

    async def health() -> dict | None:
        try:
            async with httpx.AsyncClient() as client:
                return (await client.get(url)).json()
        except httpx.HTTPError:
            return None

    try:
        await until(health, what="the API")
        await asyncio.to_thread(fleet.kill, "projectors")
        progress: list[int] = []
        await patient_producer(settings.nats_url, workload(5, workspaces=1), 500, progress)

        async def timeline_stuck():
            h = await health()
            return h if h and h["projections"]["timeline"]["stuck"] else None

        stuck = await until(timeline_stuck, within=60, what="/health to report the timeline")
        fleet.restart("projectors")

        async def recovered():
            h = await health()
            return (
                h
                if h and h["status"] == "ok" and h["projections"]["timeline"]["lag_events"] == 0
                else None
            )

        back = await until(recovered, within=60, what="the timeline to catch up")
    finally:
        api.stop()
        fleet.stop()
    assert stuck["status"] == "degraded" and stuck["projections"]["timeline"]["lag_events"] > 0
    assert not stuck["relay"]["stuck"]
    assert back["projections"]["timeline"]["position"] == back["store_position"]
