"""Every line a service writes is JSON, its libraries' too, also while nats-server is down
and nats-py complains at every reconnect attempt (held to one line per complaint and
window); the API logs each request: method, route, status, duration and request id."""

from __future__ import annotations

import asyncio
import json

import httpx
import psycopg
import pytest

from adapters.embedded import NatsServer, free_port
from chronicle_tools.workload import demo_workload
from tests.support.bus import publish_all
from tests.support.chaos import create_streams
from tests.support.processes import ServiceProcess
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


def lines(process: ServiceProcess) -> list[dict]:
    return [json.loads(line) for line in process.output().splitlines() if line.strip()]


async def test_a_service_logs_json_only_and_briefly_while_nats_is_down(settings, tmp_path):
    server = NatsServer.start(tmp_path / "nats", free_port())
    settings = settings.model_copy(update={"nats_url": server.url})
    await create_streams(settings)
    ingest = ServiceProcess(settings, "ingest").start()
    try:
        await until(lambda: _logged(ingest, "ingest.ready"), within=60, what="ingest ready")
        server.kill()
        await until(lambda: _said_disconnected(ingest), within=30, what="nats-py's complaint")
        await asyncio.sleep(5)  # ok-sleep: how long the server stays down, the storm's length
        server.process = NatsServer.start(server.store_dir, server.port).process
        await publish_all(server.url, demo_workload(1, "ws_logs", "a")[:1])
        await until(lambda: _stored(settings), within=60, what="ingest working again")
    finally:
        ingest.stop()
        server.stop()
    logged = lines(ingest)  # raises if any line is not JSON
    from_libraries = [line for line in logged if line.get("logger", "").startswith("nats")]
    assert from_libraries, "nats-py's lines went through the JSON formatter"
    assert len(from_libraries) < 20, len(from_libraries)  # not a line per attempt
    assert all(line["service"] == "ingest" for line in logged)


async def _stored(settings) -> bool:
    with psycopg.connect(settings.database_url) as conn:
        return conn.execute("SELECT count(*) FROM ingest_envelopes").fetchone()[0] > 0


async def _logged(process: ServiceProcess, event: str, after: int = 0) -> bool:
    return sum(1 for line in lines(process) if line.get("event") == event) > after


async def _said_disconnected(process: ServiceProcess) -> bool:
    return any(line.get("logger", "").startswith("nats") for line in lines(process))


async def test_the_api_logs_every_request_with_its_route_status_duration_and_id(settings):
    port = free_port()
    api = ServiceProcess(settings, "api")
    api.env |= {"CHRONICLE_API_PORT": str(port)}
    api.start()
    url = f"http://127.0.0.1:{port}"
    try:
        await until(lambda: _answers(url), within=60, what="the API")
        async with httpx.AsyncClient(base_url=url) as client:
            answer = await client.get("/v1/contacts/c_1/timeline", headers={"X-Request-ID": "r-1"})
        await until(lambda: _logged_request(api, "r-1"), within=10, what="the access line")
    finally:
        api.stop()
    (line,) = [x for x in lines(api) if x.get("request_id") == "r-1"]
    assert answer.status_code == 401 and answer.headers["X-Request-ID"] == "r-1"
    assert (line["route"], line["status"], line["method"]) == (
        "/v1/contacts/{subject_id}/timeline",
        401,
        "GET",
    )
    assert line["duration_ms"] >= 0


async def _answers(url: str) -> bool:
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            return (await client.get("/health")).status_code in (200, 503)
    except httpx.HTTPError:
        return False


async def _logged_request(process: ServiceProcess, request_id: str) -> bool:
    return any(line.get("request_id") == request_id for line in lines(process))
