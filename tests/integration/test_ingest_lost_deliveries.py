"""A delivery lost on its way to the ingest service is never acknowledged away: the next
batch's acknowledgement (AckPolicy.ALL) would cover it, so the service reads it from the
stream and applies it first. (A crash trial lost envelopes this way when nats-server was
killed while a batch was on the wire.)"""

from __future__ import annotations

import msgspec
import nats
import psycopg
import pytest

from adapters import bus
from services.ingest.service import DURABLE, IngestService
from tests.support.bus import consumer_backlog
from tests.support.chaos import create_streams
from tests.support.waiting import until

pytestmark = pytest.mark.integration


def contact(n: int, ws: str = "ws_lost") -> tuple[str, bytes]:
    envelope_id = f"lost-{n}"
    body = msgspec.json.encode(
        {
            "id": envelope_id,
            "type": "contact.added",
            "workspace_id": ws,
            "occurred_at": "2026-11-20T09:15:00Z",
            "actor": {"type": "user", "id": "u_17"},
            "data": {"contact_id": f"c_{n}", "name": "Ann", "source": "api"},
        }
    )
    return envelope_id, body


async def test_messages_delivered_but_never_received_are_applied_not_acknowledged_away(settings):
    await create_streams(settings)
    service = IngestService(settings)
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    try:
        await js.add_consumer(bus.INGEST_STREAM, service.consumer.config)  # as ingest makes it
        for n in range(1, 6):
            envelope_id, body = contact(n)
            await js.publish(
                "audit.ingest.ws_lost.contact.added", body, headers={bus.MSG_ID: envelope_id}
            )
        # Three deliveries go to a connection that vanishes: to the server they were
        # delivered, to ingest they never came.
        thief = await nats.connect(settings.nats_url)
        taken = await (
            await thief.jetstream().pull_subscribe_bind(DURABLE, bus.INGEST_STREAM)
        ).fetch(3)
        await thief.close()
        for n in range(6, 11):
            envelope_id, body = contact(n)
            await js.publish(
                "audit.ingest.ws_lost.contact.added", body, headers={bus.MSG_ID: envelope_id}
            )
        await service.start()

        async def drained():
            return await consumer_backlog(settings.nats_url, bus.INGEST_STREAM, DURABLE) == 0

        await until(drained, within=30, what="the ingest backlog to drain")
    finally:
        await service.stop()
        await nc.close()
    with psycopg.connect(settings.database_url) as conn:
        stored = {r[0] for r in conn.execute("SELECT envelope_id FROM ingest_envelopes")}
    assert [m.headers[bus.MSG_ID] for m in taken] == ["lost-1", "lost-2", "lost-3"]
    assert stored == {f"lost-{n}" for n in range(1, 11)}


async def test_a_restarted_service_reads_again_nothing_that_was_acknowledged(settings):
    """Each start used to take the point up to which everything is applied as 0: a fresh
    ingest process read the whole stream again by direct get, announced every old reject
    once more and answered old requests again."""
    await create_streams(settings)
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()

    async def publish(n: int, ws: str, body: bytes | None = None) -> None:
        envelope_id, valid = contact(n, ws)
        await js.publish(f"audit.ingest.{ws}.contact.added", body or valid,
                         headers={bus.MSG_ID: envelope_id})  # fmt: skip

    async def run_until_drained(service: IngestService) -> None:
        await service.start()
        try:

            async def drained():
                return await consumer_backlog(settings.nats_url, bus.INGEST_STREAM, DURABLE) == 0

            await until(drained, within=30, what="the ingest backlog to drain")
        finally:
            await service.stop()

    async def notices() -> int:
        return (await js.stream_info(bus.REJECTED_STREAM)).state.messages

    try:
        for ws in ("ws_one", "ws_two"):  # the same envelope ids in both workspaces
            for n in range(1, 6):
                await publish(n, ws)
            await publish(6, ws, b'{"id": "lost-6", "type": "contact.added"}')  # rejected
        await run_until_drained(IngestService(settings))
        assert await notices() == 2
        await publish(7, "ws_one")
        restarted = IngestService(settings)
        await run_until_drained(restarted)
        assert restarted.batches >= 1
        assert await notices() == 2  # the old rejects are not announced again
    finally:
        await nc.close()
    with psycopg.connect(settings.database_url) as conn:
        stored = conn.execute(
            "SELECT workspace_id, count(*) FROM ingest_envelopes GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert stored == [("ws_one", 6), ("ws_two", 5)]  # each once; the rejects are not here
