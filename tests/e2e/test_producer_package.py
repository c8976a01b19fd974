"""The producer package retries without ever changing what it sends: the same body and the
same `Nats-Msg-Id` on every attempt, so Chronicle records a retried envelope once, even
when an attempt reached it and only its answer was lost. (Its happy path runs as the
example of docs/producers.md, tests/e2e/test_producers_guide.py.)"""

from __future__ import annotations

import asyncio

import nats
import psycopg
import pytest

from adapters import bus
from tests.support.asyncapi import Captured
from tests.support.producer_package import load
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
producer = load()
WS = "ws_retry"
PATIENT = producer.Retry(attempts=40, first_delay=0.05, max_delay=0.25)


def ann(envelope_id: str):
    return producer.ENVELOPES["contact.added"](
        id=envelope_id,
        workspace_id=WS,
        occurred_at="2026-11-20T09:15:00Z",
        actor=producer.Actor(type="user", id="u_17"),
        data={"contact_id": "c_ann", "name": "Ann", "source": "api"},
    )


async def watch(nc, subject: str) -> list[Captured]:
    seen: list[Captured] = []

    async def keep(msg) -> None:
        seen.append(Captured.of(msg))

    await nc.subscribe(subject, cb=keep)
    await nc.flush()
    return seen


def at_least(items: list, n: int):
    async def check() -> bool:
        return len(items) >= n

    return check


def assert_same_message(attempts: list[Captured], envelope_id: str) -> None:
    assert len({a.data for a in attempts}) == 1
    assert {a.headers.get(bus.MSG_ID) for a in attempts} == {envelope_id}


async def test_publish_retries_until_the_stream_is_there_and_stores_one_envelope(settings):
    admin = await nats.connect(settings.nats_url)  # the fixture left no stream at all
    attempts = await watch(admin, f"audit.ingest.{WS}.>")
    client = producer.Producer(await nats.connect(settings.nats_url), PATIENT, 1.0)
    try:
        # given no stream yet: attempts find nobody to store them
        sending = asyncio.create_task(client.publish(ann("crm-1")))
        await until(at_least(attempts, 2), what="two attempts")
        assert not sending.done()
        # when the stream appears, the next attempt is stored
        await bus.ensure_streams(admin.jetstream(), bus.StreamLimits.of(settings))
        seq = await asyncio.wait_for(sending, 30)
        stored = await admin.jetstream().get_msg(bus.INGEST_STREAM, seq)
    finally:
        await client.close()
        await admin.close()
    # then every attempt was the same message, and the stream holds it once
    assert len(attempts) >= 3
    assert_same_message(attempts, "crm-1")
    assert seq == 1 and stored.headers[bus.MSG_ID] == "crm-1"
    assert stored.data == attempts[-1].data


async def test_a_request_whose_answer_was_lost_is_retried_and_answered_duplicate(settings):
    admin = await nats.connect(settings.nats_url)
    await bus.ensure_streams(admin.jetstream(), bus.StreamLimits.of(settings))
    attempts = await watch(admin, f"audit.request.{WS}.>")
    lost: list = []

    async def lose_the_answer(msg) -> None:
        """Before Chronicle runs: take the first request into the stream as the gateway
        would, but never answer it (a gateway that died, an answer lost on the wire)."""
        await admin.jetstream().publish(
            msg.subject.replace("audit.request.", "audit.ingest.", 1), msg.data, headers=msg.headers
        )
        lost.append(msg)

    await admin.subscribe(f"audit.request.{WS}.>", cb=lose_the_answer, max_msgs=1)
    await admin.flush()
    client = producer.Producer(await nats.connect(settings.nats_url), PATIENT, 0.5)
    try:
        asking = asyncio.create_task(client.request(ann("crm-2"), correlation_id="trace-2"))
        await until(at_least(lost, 1), what="the first request")
        async with Stack(settings, ["timeline"]):
            verdict = await asyncio.wait_for(asking, 30)
    finally:
        await client.close()
        await admin.close()
    # then the retry is the same envelope, which Chronicle had recorded from the first
    assert len(attempts) >= 2
    assert_same_message(attempts, "crm-2")
    assert {a.headers.get(bus.CORRELATION_ID) for a in attempts} == {"trace-2"}
    assert isinstance(verdict, producer.Duplicate)
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute(
            "SELECT envelope_id, position FROM ingest_envelopes WHERE workspace_id = %s", (WS,)
        ).fetchall()
    assert rows == [("crm-2", verdict.position)] and verdict.position is not None
    assert verdict.correlation_id == "trace-2" and verdict.events == 0
