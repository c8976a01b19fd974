"""The bus is a trust boundary: a plain NATS client publishing on `audit.events.…` can
neither write a row, nor move a read model's position, nor stop the real events behind
its messages. Forged (a position of 10^12, as once reproduced), altered (a genuine
message's MAC over other bytes) and replayed (a genuine message published again, word
for word) messages are parked with their reason; the relay steps over them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import msgspec
import nats
import psycopg
import pytest

from adapters import bus
from adapters.bus import auth as bus_auth
from chronicle_tools.workload import demo_workload
from tests.support.bus import publish_all
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
FORGED_POSITION = 10**12


async def a_genuine_activity(js) -> nats.aio.msg.Msg:
    info = await js.stream_info(bus.EVENTS_STREAM)
    for seq in range(info.state.last_seq, 0, -1):
        msg = await js.get_msg(bus.EVENTS_STREAM, seq=seq)
        if msg.headers[bus.WIRE_NAME].startswith("activity.logged"):
            return msg
    raise AssertionError("no activity on the stream")


def chronicle_status(database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "status", "--no-streams"],
        env={**os.environ, "CHRONICLE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
    )


def without_guards(headers: dict) -> dict:
    return {k: v for k, v in headers.items() if not k.startswith("Nats-Expected")}


async def test_forged_altered_and_replayed_events_change_nothing_and_stop_nothing(settings):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, demo_workload(31, "ws_forge", "a"))
        await until(stack.settled, what="the first workload everywhere")
        nc = await nats.connect(settings.nats_url)  # anyone who can reach NATS
        js = nc.jetstream()
        real = await a_genuine_activity(js)
        state = msgspec.json.decode(real.data)
        state["details"]["summary"] = "FORGED by a stranger"
        forged_bytes = msgspec.json.encode(state)
        forged = {
            **without_guards(real.headers),
            bus.POSITION: str(FORGED_POSITION),
            bus.MSG_ID: str(FORGED_POSITION),
            bus.PREVIOUS_POSITION: str(FORGED_POSITION - 1),
        }
        await js.publish(real.subject, forged_bytes, headers=forged)
        altered = {**without_guards(real.headers), bus.MSG_ID: "altered"}
        await js.publish(real.subject, forged_bytes, headers=altered)
        replayed = {**without_guards(real.headers), bus.MSG_ID: "replayed"}
        await js.publish(real.subject, real.data, headers=replayed)
        await nc.close()
        await publish_all(settings.nats_url, demo_workload(32, "ws_forge2", "b"))
        await until(stack.settled, what="the real events behind the forged ones")
        async with stack.client(stack.token("ws_forge")) as api:
            grid = (await api.get("/v1/activities", params={"limit": 500})).json()
        health = await stack.health()
    with psycopg.connect(settings.database_url) as conn:
        head = conn.execute("SELECT max(notification_id) FROM chronicle_events").fetchone()[0]
        relayed = conn.execute("SELECT position FROM relay_position").fetchone()[0]
        parked = conn.execute(
            "SELECT consumer, stream_seq, position, error FROM dead_letters ORDER BY stream_seq"
        ).fetchall()
        second = conn.execute(
            "SELECT count(*) FROM ingest_envelopes WHERE workspace_id = 'ws_forge2'"
        ).fetchone()[0]
    assert not [a for a in grid["activities"] if "FORGED" in str(a)]
    assert health["status"] == "ok" and relayed == head  # the relay went on past them
    assert {name: p["position"] for name, p in health["projections"].items()} == {
        name: head for name in health["projections"]
    }  # every model at the real head, none at 10^12
    assert second > 0
    assert [(c, p) for c, _, p, _ in parked] == [("bus:chronicle-projectors", None)] * 3
    assert all("not Chronicle's" in error and "MAC" in error for *_, error in parked)
    status = await asyncio.to_thread(chronicle_status, settings.database_url)
    assert status.returncode == 0 and "ERROR" not in status.stdout


async def test_a_position_beyond_the_store_is_an_error_in_health_and_status(settings):
    async with Stack(settings, projections=["audit_trail"]) as stack:
        await publish_all(settings.nats_url, demo_workload(33, "ws_ahead", "a"))
        await until(stack.settled, what="the workload")
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(f"UPDATE rm_audit_trail.tracking SET position = {FORGED_POSITION}")
        async with stack.client(None) as anyone:
            public = await anyone.get("/health")
        details = await stack.health()
    status = await asyncio.to_thread(chronicle_status, settings.database_url)
    assert public.status_code == 503 and public.json() == {"status": "error"}
    assert details["status"] == "error"
    assert details["projections"]["audit_trail"]["ahead_of_store"] is True
    assert status.returncode == 2 and "beyond the store's head" in status.stdout


def test_the_mac_covers_the_stream_sequence_every_header_believed_and_the_bytes():
    key = os.urandom(32)
    headers = {h: "1" for h in bus_auth.COVERED}
    headers[bus_auth.HEADER] = bus_auth.sign(key, 7, headers, b"{}")
    assert bus_auth.check(key, 7, headers, b"{}") is None
    assert bus_auth.check(key, 8, headers, b"{}")  # replayed elsewhere on the stream
    assert bus_auth.check(key, 7, headers, b"{ }")  # other bytes
    for name in bus_auth.COVERED:
        assert bus_auth.check(key, 7, {**headers, name: "2"}, b"{}"), name
    assert bus_auth.check(os.urandom(32), 7, headers, b"{}")  # not our key
    assert bus_auth.check(key, 7, {k: v for k, v in headers.items() if k != "Chronicle-MAC"}, b"{}")
