"""Every verdict and every reject notice says which message it answers: the producer's
`Chronicle-Correlation-Id` (the envelope id when none was sent, as the stored events carry;
the ingest stream's sequence when not even that can be read), the `Nats-Msg-Id` it came
with, its subject and its sequence on the ingest stream. Nothing else rides along."""

from __future__ import annotations

import asyncio

import msgspec
import nats
import pytest

from adapters import bus
from services.ingest.service import IngestService

pytestmark = pytest.mark.integration
WS = "ws_answers"
SUBJECT = f"audit.ingest.{WS}.contact.added"
REQUEST = f"audit.request.{WS}.contact.added"
OURS = {bus.CORRELATION_ID, bus.MSG_ID, bus.ANSWERED_SUBJECT, bus.INGEST_SEQUENCE}


def contact(envelope_id: str) -> bytes:
    return msgspec.json.encode(
        {
            "id": envelope_id,
            "type": "contact.added",
            "workspace_id": WS,
            "occurred_at": "2026-11-20T09:15:00Z",
            "actor": {"type": "user", "id": "u_17"},
            "data": {"contact_id": "c_1", "name": "Ann", "source": "api"},
        }
    )


async def test_verdicts_and_notices_carry_the_producers_correlation_id_and_message_id(settings):
    service = IngestService(settings)
    await service.start()
    nc = await nats.connect(settings.nats_url)
    notices: asyncio.Queue = asyncio.Queue()
    await nc.subscribe(f"audit.rejected.{WS}", cb=notices.put)
    try:
        accepted = await nc.request(
            REQUEST,
            contact("env-1"),
            headers={bus.MSG_ID: "env-1", bus.CORRELATION_ID: "trace-1"},
            timeout=10,
        )
        garbage = await nc.request(
            REQUEST,
            b"{not json",
            headers={bus.MSG_ID: "env-2", bus.CORRELATION_ID: "trace-2"},
            timeout=10,
        )
        notice_of_request = await asyncio.wait_for(notices.get(), 10)
        unnamed = await nc.request(REQUEST, contact("env-3"), timeout=10)  # no headers at all
        ack = await nc.jetstream().publish(SUBJECT, b"\xff not even utf-8")
        anonymous_notice = await asyncio.wait_for(notices.get(), 10)
    finally:
        await nc.close()
        await service.stop()
    assert msgspec.json.decode(accepted.data)["status"] == "accepted"
    assert accepted.headers[bus.CORRELATION_ID] == "trace-1"
    assert accepted.headers[bus.MSG_ID] == "env-1"
    assert msgspec.json.decode(accepted.data)["correlation_id"] == "trace-1"
    for answer in (garbage, notice_of_request):
        assert msgspec.json.decode(answer.data)["status"] == "rejected"
        assert answer.headers[bus.CORRELATION_ID] == "trace-2"
        assert answer.headers[bus.MSG_ID] == "env-2"
        assert answer.headers[bus.ANSWERED_SUBJECT] == SUBJECT
    assert unnamed.headers[bus.CORRELATION_ID] == "env-3"  # as the stored events carry
    assert bus.MSG_ID not in unnamed.headers
    seq = str(ack.seq)
    assert anonymous_notice.headers[bus.INGEST_SEQUENCE] == seq  # the producer's PubAck
    assert anonymous_notice.headers[bus.CORRELATION_ID] == f"{bus.INGEST_STREAM}-{seq}"
    for answer in (accepted, garbage, notice_of_request, unnamed, anonymous_notice):
        assert set(answer.headers) <= OURS, answer.headers  # no stray broker headers
