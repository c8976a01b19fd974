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


def contact(n: int) -> tuple[str, bytes]:
    envelope_id = f"lost-{n}"
    body = msgspec.json.encode(
        {
            "id": envelope_id,
            "type": "contact.added",
            "workspace_id": "ws_lost",
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
