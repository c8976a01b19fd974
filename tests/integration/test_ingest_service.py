import psycopg
import pytest

from adapters import bus
from chronicle_tools.workload import demo_workload
from services.ingest.service import DURABLE, IngestService
from tests.support.bus import consumer_backlog, publish_all
from tests.support.waiting import until

pytestmark = pytest.mark.integration


async def test_a_burst_of_envelopes_is_ingested_in_order(settings):
    service = IngestService(settings)
    await service.start()
    try:
        messages = demo_workload(3, "ws_burst", "r")
        await publish_all(settings.nats_url, messages)

        async def settled():
            return await consumer_backlog(settings.nats_url, bus.INGEST_STREAM, DURABLE) == 0

        await until(settled, within=20, what="ingest backlog to drain")
        with psycopg.connect(settings.database_url) as conn:
            accepted = conn.execute("SELECT count(*) FROM ingest_envelopes").fetchone()[0]
            rejects = conn.execute("SELECT reason FROM ingest_rejects").fetchall()
        assert rejects == []
        assert accepted == len(messages)
    finally:
        await service.stop()


async def test_the_demo_workload_and_its_bad_messages(settings):
    from chronicle_tools.demo import showcase

    service = IngestService(settings)
    await service.start()
    try:
        messages = demo_workload(7, "acme-x", "x") + showcase.bad_messages("acme-x", "x")
        await publish_all(settings.nats_url, messages)

        async def settled():
            return await consumer_backlog(settings.nats_url, bus.INGEST_STREAM, DURABLE) == 0

        await until(settled, within=20, what="ingest backlog to drain")
        with psycopg.connect(settings.database_url) as conn:
            rejects = conn.execute("SELECT envelope_id, reason FROM ingest_rejects").fetchall()
        print(rejects)
        assert len(rejects) == 3
    finally:
        await service.stop()


def envelope_bytes(envelope_id, type_, data, ws="ws_rr"):
    import msgspec

    return msgspec.json.encode(
        {
            "id": envelope_id,
            "type": type_,
            "workspace_id": ws,
            "occurred_at": "2026-11-20T09:15:00Z",
            "actor": {"type": "user", "id": "u_17"},
            "data": data,
        }
    )


async def test_request_reply_producers_get_accepted_duplicate_and_rejected(settings):
    import msgspec
    import nats

    service = IngestService(settings)
    await service.start()
    nc = await nats.connect(settings.nats_url)
    try:
        subject = "audit.request.ws_rr.conversation.opened"
        body = envelope_bytes(
            "rr-1", "conversation.opened", {"conversation_id": "c1", "channel": "email"}
        )
        first = msgspec.json.decode(
            (await nc.request(subject, body, headers={"Nats-Msg-Id": "rr-1"}, timeout=10)).data
        )
        again = msgspec.json.decode(
            (await nc.request(subject, body, headers={"Nats-Msg-Id": "rr-1"}, timeout=10)).data
        )
        bad = msgspec.json.decode(
            (
                await nc.request(
                    "audit.request.ws_rr.conversation.reopened",
                    envelope_bytes("rr-2", "conversation.reopened", {"conversation_id": "c1"}),
                    timeout=10,
                )
            ).data
        )
    finally:
        await nc.close()
        await service.stop()
    assert (first["status"], first["position"]) == ("accepted", 1)
    assert again["status"] == "duplicate"
    assert bad["status"] == "rejected"
    assert bad["error"]["reasons"][0]["rule"] == "conversation.reopen_requires_resolved"


async def test_rejected_messages_are_announced_on_the_workspace_subject(settings):
    import asyncio

    import msgspec
    import nats

    service = IngestService(settings)
    await service.start()
    nc = await nats.connect(settings.nats_url)
    notices = asyncio.Queue()

    async def collect(msg):
        await notices.put(msgspec.json.decode(msg.data))

    await nc.subscribe("audit.rejected.ws_rr", cb=collect)
    try:
        js = nc.jetstream()
        await js.publish("audit.ingest.ws_rr.conversation.opened", b"{nope")
        notice = await asyncio.wait_for(notices.get(), 10)
    finally:
        await nc.close()
        await service.stop()
    assert notice["status"] == "rejected"
    assert notice["error"]["reasons"][0]["field"] == "body"
