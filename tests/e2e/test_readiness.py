"""Liveness and readiness on every process: `/livez` answers while the process runs,
`/readyz` only once it does its work and keeps up; the email sender and poller have real
watchdogs (not "starting" forever); the API's readiness fails when it is degraded."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from adapters.embedded import free_port
from chronicle_tools.workload import demo_workload
from tests.support.bus import publish_all
from tests.support.chaos import create_streams
from tests.support.processes import ServiceProcess
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


async def answer(url: str) -> tuple[int, dict] | None:
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(url)
            return response.status_code, response.json()
    except httpx.HTTPError:
        return None


async def test_every_service_says_when_it_is_alive_and_when_it_is_ready(settings):
    settings = settings.model_copy(update={"watch_interval": 0.2})
    await create_streams(settings)
    ports, processes = {}, {}
    for name in ("ingest", "relay", "sender", "poller"):
        ports[name] = free_port()
        process = ServiceProcess(settings, name)
        process.env |= {
            "CHRONICLE_METRICS_PORT": str(ports[name]),
            "CHRONICLE_WATCH_INTERVAL": "0.2",
        }
        processes[name] = process.start()
    try:
        for name, port in ports.items():

            async def ready(port=port):
                found = await answer(f"http://127.0.0.1:{port}/readyz")
                return found if found and found[0] == 200 else None

            await until(ready, within=60, what=f"{name} ready")
        alive = {n: await answer(f"http://127.0.0.1:{p}/livez") for n, p in ports.items()}
        health = {n: await answer(f"http://127.0.0.1:{p}/health") for n, p in ports.items()}
    finally:
        for process in processes.values():
            process.stop()
    assert all(a == (200, {"status": "alive"}) for a in alive.values()), alive
    assert {n: h[1]["status"] for n, h in health.items()} == dict.fromkeys(ports, "ok")
    assert {n: h[1]["service"] for n, h in health.items()} == {n: n for n in ports}


async def test_the_api_is_not_ready_when_it_is_degraded(settings):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, demo_workload(5, "ws_ready", "a"))
        await until(stack.settled, what="the workload")
        async with stack.client(None) as anyone:
            live, ready = await anyone.get("/livez"), await anyone.get("/readyz")
            with psycopg.connect(settings.database_url, autocommit=True) as conn:
                conn.execute("UPDATE rm_audit_trail.tracking SET position = 10^12")
            broken = await anyone.get("/readyz")
    assert (live.status_code, ready.status_code) == (200, 200)
    assert broken.status_code == 503 and broken.json() == {"status": "error"}
