"""Nobody writes, reads or forges on the bus without credentials: a real nats-server with
Chronicle's users and permissions (adapters/bus/access.py), Chronicle's services running
under their own identities, producers and readers made and revoked with the CLI's code."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import msgspec
import nats
import nats.errors
import psycopg
import pytest

from adapters import bus
from adapters.bus import access as bus_access
from adapters.bus import credentials as bus_credentials
from adapters.embedded import NatsServer, free_port
from services.ingest.service import IngestService
from services.projector import ProjectorHost
from services.relay import Relay
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


def envelope(ws: str, envelope_id: str) -> bytes:
    return msgspec.json.encode(
        {
            "id": envelope_id,
            "type": "contact.added",
            "workspace_id": ws,
            "occurred_at": "2026-11-20T09:15:00Z",
            "actor": {"type": "user", "id": "u_17"},
            "data": {"contact_id": envelope_id, "name": "Ann", "source": "api"},
        }
    )


class Client:
    """A NATS connection that remembers what the server refused it."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    async def connect(self, url: str, inbox: str = "") -> nats.aio.client.Client:
        async def on_error(error: Exception) -> None:
            self.refused.append(str(error))

        options = {"inbox_prefix": inbox.encode()} if inbox else {}
        return await nats.connect(url, error_cb=on_error, allow_reconnect=False, **options)

    async def refused_for(self, fragment: str) -> bool:
        return any(fragment.lower() in r.lower() for r in self.refused)


def credential(database_url: str, role: str, workspaces: list[str]) -> bus_credentials.Credential:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return bus_credentials.create(conn, role, workspaces, "test")


def users(database_url: str) -> list:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return bus_credentials.users(conn)


@pytest.fixture
def server(tmp_path):
    nats_server = NatsServer.start(tmp_path / "nats", free_port(), [])
    yield nats_server
    nats_server.stop()


def as_user(server: NatsServer, made: bus_credentials.Credential) -> str:
    return server.address.replace("nats://", f"nats://{made.name}:{made.password}@")


async def test_producers_readers_and_services_each_reach_only_what_they_may(settings, server):
    settings = settings.model_copy(update={"nats_url": server.url})
    producer = credential(settings.database_url, "producer", ["ws_a"])
    reader = credential(settings.database_url, "reader", ["ws_a"])
    server.reload(users(settings.database_url))
    own = {  # Chronicle's services, each under its own identity only
        "ingest": settings.model_copy(update={"nats_url": server.url_for("chronicle-ingest")}),
        "relay": settings.model_copy(update={"nats_url": server.url_for("chronicle-relay")}),
        "projectors": settings.model_copy(
            update={"nats_url": server.url_for("chronicle-projectors")}
        ),
    }
    admin = await nats.connect(server.url)  # `chronicle migrate`: the streams
    await bus.ensure_streams(admin.jetstream(), bus.StreamLimits.of(settings))
    ingest, relay = IngestService(own["ingest"]), Relay(own["relay"])
    from projections.registry import PROJECTIONS, projection

    host = ProjectorHost(own["projectors"], [projection("timeline")], list(PROJECTIONS))
    for service in (ingest, relay, host):
        await service.start()
    p, r, anyone = Client(), Client(), Client()
    try:
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await anyone.connect(server.address)
        pc = await p.connect(as_user(server, producer), producer.inbox_prefix())
        rc = await r.connect(as_user(server, reader), reader.inbox_prefix())
        live = await rc.subscribe("audit.events.*.*.ws_a.>")
        notices = await pc.subscribe("audit.rejected.ws_a")
        # the producer, in its own workspace: stored, and answered on its own inbox
        ack = await pc.jetstream().publish(
            "audit.ingest.ws_a.contact.added", envelope("ws_a", "a-1"), headers={bus.MSG_ID: "a-1"}
        )
        verdict = msgspec.json.decode(
            (await pc.request("audit.request.ws_a.contact.added", envelope("ws_a", "a-2"), 10)).data
        )
        await pc.publish("audit.ingest.ws_a.contact.added", b"not json")
        notice = msgspec.json.decode((await notices.next_msg(timeout=10)).data)
        seen = await live.next_msg(timeout=10)  # the reader, live, its workspace's events
        # ...and what each may not do
        await pc.publish("audit.ingest.ws_b.contact.added", envelope("ws_b", "b-1"))
        await pc.publish("audit.events.contact.added.ws_a.x", b"{}")
        await pc.subscribe("audit.rejected.ws_b")
        await pc.subscribe("_INBOX.>")
        await rc.subscribe("audit.events.*.*.ws_b.>")
        await rc.publish("audit.ingest.ws_a.contact.added", envelope("ws_a", "r-1"))
        for client, fragment in (
            (p, 'publish to "audit.ingest.ws_b'),
            (p, 'publish to "audit.events.'),
            (p, 'Subscription to "audit.rejected.ws_b"'),
            (p, 'Subscription to "_INBOX.>"'),
            (r, 'Subscription to "audit.events.*.*.ws_b.>"'),
            (r, 'publish to "audit.ingest.ws_a'),
        ):
            await until(
                lambda c=client, f=fragment: c.refused_for(f),
                within=10,
                what=f"{fragment} {client.refused}",
            )
        # a reader's durable consumer: its own workspace only
        js = rc.jetstream()
        mine = nats.js.api.ConsumerConfig(
            name=f"{reader.name}-ws_a",
            durable_name=f"{reader.name}-ws_a",
            filter_subject="audit.events.*.*.ws_a.>",
        )
        await js.add_consumer(bus.EVENTS_STREAM, mine)
        theirs = nats.js.api.ConsumerConfig(
            name=f"{reader.name}-ws_a",
            durable_name=f"{reader.name}-ws_a",
            filter_subject="audit.events.*.*.ws_b.>",
        )
        with pytest.raises((nats.errors.TimeoutError, nats.js.errors.Error)):
            await js.add_consumer(bus.EVENTS_STREAM, theirs, timeout=2)
        # a relay may publish stored events; ingest may not
        ic = Client()
        ingest_conn = await ic.connect(server.url_for("chronicle-ingest"))
        await ingest_conn.publish("audit.events.contact.added.ws_a.x", b"{}")
        await until(lambda: ic.refused_for('publish to "audit.events.'), what="ingest refused")
        await ingest_conn.close()
        await pc.close()
        await rc.close()
    finally:
        for service in (host, relay, ingest):
            await service.stop()
        await admin.close()
    assert ack.seq > 0 and verdict["status"] == "accepted"
    assert notice["status"] == "rejected"
    assert seen.headers[bus.WIRE_NAME].startswith("contact.added")
    with psycopg.connect(settings.database_url) as conn:
        stored = conn.execute(
            "SELECT workspace_id, envelope_id FROM ingest_envelopes ORDER BY envelope_id"
        ).fetchall()
    assert stored == [("ws_a", "a-1"), ("ws_a", "a-2")]  # nothing from ws_b, nothing forged


async def test_a_producer_revoked_or_made_takes_effect_without_restarting_the_bus(settings, server):
    first = credential(settings.database_url, "producer", ["ws_a"])
    server.reload(users(settings.database_url))
    c = Client()
    conn = await c.connect(as_user(server, first), first.inbox_prefix())
    env = {
        **os.environ,
        "CHRONICLE_DATABASE_URL": settings.database_url,
        "CHRONICLE_NATS_URL": server.url,
    }
    listed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.cli", "producer", "list"],
        env=env,
        capture_output=True,
        text=True,
    )
    with psycopg.connect(settings.database_url, autocommit=True) as db:
        assert bus_credentials.revoke(db, first.name)
    pid_before = server.process.pid
    server.reload(users(settings.database_url))
    await until(lambda: _closed(conn), within=10, what="the revoked producer disconnected")
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await Client().connect(as_user(server, first))
    second = credential(settings.database_url, "producer", ["ws_a"])
    server.reload(users(settings.database_url))
    again = await until(lambda: _connects(as_user(server, second)), what="the new producer")
    await again.close()
    assert server.process.pid == pid_before  # the same server, never restarted
    assert listed.returncode == 0 and first.name in listed.stdout
    assert "password" not in listed.stdout


async def _closed(conn) -> bool:
    return conn.is_closed or not conn.is_connected


async def _connects(url: str):
    try:
        return await nats.connect(url, allow_reconnect=False)
    except nats.errors.Error:
        return None


async def test_chronicle_reply_to_is_honoured_only_when_chronicles_gateway_set_it(settings):
    """A direct publisher naming another subject in Chronicle-Reply-To gets no verdict sent
    there (it could otherwise make Chronicle publish where it may not)."""
    service = IngestService(settings)
    await service.start()
    nc = await nats.connect(settings.nats_url)
    hijacked = await nc.subscribe("victim.subject")
    try:
        await nc.jetstream().publish(
            "audit.ingest.ws_r.contact.added",
            envelope("ws_r", "r-1"),
            headers={bus.MSG_ID: "r-1", bus.REPLY_TO: "victim.subject"},
        )
        answered = await nc.request(  # through the gateway, after it: its answer comes
            "audit.request.ws_r.contact.added", envelope("ws_r", "r-2"), timeout=10
        )
        with pytest.raises(nats.errors.TimeoutError):
            await hijacked.next_msg(timeout=0.5)  # the earlier message was answered by now
    finally:
        await nc.close()
        await service.stop()
    assert msgspec.json.decode(answered.data)["status"] == "accepted"


async def test_bus_users_writes_a_configuration_nats_server_runs_with(settings, tmp_path):
    """For a NATS server of one's own (compose's `bus-config`): Chronicle's identities with
    the passwords given, every active producer, authorization on."""
    from adapters.embedded import nats_server_binary, wait_for_port
    from services.cli.credentials import password_variable

    made = credential(settings.database_url, "producer", ["ws_c"])
    env = {**os.environ, "CHRONICLE_DATABASE_URL": settings.database_url}
    env |= {password_variable(n): f"pw-{n}" for n in bus_access.SERVICES}
    port, config = free_port(), tmp_path / "nats.conf"
    written = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "services.cli",
            "bus-users",
            "--output",
            str(config),
            "--port",
            str(port),
            "--store-dir",
            str(tmp_path / "js"),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert written.returncode == 0, written.stderr
    server = await asyncio.to_thread(subprocess.Popen, [nats_server_binary(), "-c", str(config)])
    try:
        await asyncio.to_thread(wait_for_port, port)
        admin = await nats.connect(f"nats://chronicle-admin:pw-chronicle-admin@127.0.0.1:{port}")
        producer = await nats.connect(
            f"nats://{made.name}:{made.password}@127.0.0.1:{port}", allow_reconnect=False
        )
        await admin.close()
        await producer.close()
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(f"nats://127.0.0.1:{port}", allow_reconnect=False)
    finally:
        server.terminate()
        server.wait()
