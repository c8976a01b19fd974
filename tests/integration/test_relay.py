"""The relay: every stored event reaches the events stream once, in order, across restarts."""

import asyncio
import random

import nats
import psycopg
import pytest

from adapters import bus
from adapters.settings import Settings
from chronicle_tools.workload import demo_workload
from services.relay import Relay
from tests.support.processes import ServiceProcess
from tests.support.store import ingest
from tests.support.waiting import until

pytestmark = pytest.mark.integration


async def stream_messages(url: str) -> list:
    nc = await nats.connect(url)
    js = nc.jetstream()
    try:
        info = await js.stream_info(bus.EVENTS_STREAM)
        return [
            await js.get_msg(bus.EVENTS_STREAM, seq)
            for seq in range(info.state.first_seq, info.state.last_seq + 1)
        ]
    finally:
        await nc.close()


async def stream_count(url: str) -> int:
    nc = await nats.connect(url)
    try:
        return (await nc.jetstream().stream_info(bus.EVENTS_STREAM)).state.messages
    except nats.js.errors.NotFoundError:
        return 0
    finally:
        await nc.close()


def assert_exactly_once_in_order(messages, total: int) -> None:
    ids = [int(m.headers[bus.MSG_ID]) for m in messages]
    assert ids == list(range(1, total + 1))
    previous = [int(m.headers[bus.PREVIOUS_POSITION]) for m in messages]
    assert previous == [0, *ids[:-1]]


class RunningRelay:
    def __init__(self, settings: Settings) -> None:
        self.relay = Relay(settings)
        self.task = asyncio.create_task(self.relay.start())

    async def halt(self) -> None:
        await self.task
        await self.relay.stop()


async def test_every_stored_event_is_published_in_order_with_its_position(settings, store):
    total = ingest(store, demo_workload(1, "ws_relay", "r"))
    relay = RunningRelay(settings)
    try:
        await until(lambda: _at_least(settings.nats_url, total), what="events stream")
    finally:
        await relay.halt()
    messages = await stream_messages(settings.nats_url)
    assert_exactly_once_in_order(messages, total)
    first = messages[0]
    assert first.subject.startswith("audit.events.contact.added.ws_relay.")
    assert first.headers[bus.WIRE_NAME] == "contact.added.v1"


async def _at_least(url: str, n: int) -> bool:
    return await stream_count(url) >= n


async def test_a_restarted_relay_resumes_without_loss_or_duplicates(settings, store):
    first = ingest(store, demo_workload(2, "ws_relay", "a"))
    relay = RunningRelay(settings)
    await until(lambda: _at_least(settings.nats_url, first), what="first events")
    await relay.halt()
    second = ingest(store, demo_workload(3, "ws_relay", "b"))
    relay = RunningRelay(settings)
    try:
        await until(lambda: _at_least(settings.nats_url, first + second), what="all events")
    finally:
        await relay.halt()
    assert_exactly_once_in_order(await stream_messages(settings.nats_url), first + second)


async def test_the_stream_not_a_stale_bookmark_decides_where_to_resume(settings, store):
    total = ingest(store, demo_workload(4, "ws_relay", "a"))
    relay = RunningRelay(settings)
    await until(lambda: _at_least(settings.nats_url, total), what="events")
    await relay.halt()
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("UPDATE relay_position SET position = 3")  # as if saved long ago
    relay = RunningRelay(settings)
    await until(lambda: _relay_resumed(relay), what="relay to resume")
    await relay.halt()
    assert_exactly_once_in_order(await stream_messages(settings.nats_url), total)


async def _relay_resumed(running: RunningRelay) -> bool:
    return running.relay.position > 3


@pytest.mark.slow
async def test_a_relay_killed_while_events_keep_arriving_loses_and_duplicates_nothing(
    settings, store
):
    rng = random.Random(20261122)
    stored = 0
    kills_wanted = 4
    kills = 0

    async def steady_producer():
        nonlocal stored
        chunk = 0
        while kills < kills_wanted:
            batch = demo_workload(chunk, f"ws_kill{chunk % 5}", f"k{chunk}")[:12]
            stored += await asyncio.to_thread(ingest, store, batch)
            chunk += 1
            await asyncio.sleep(0.01)  # ok-sleep: the producer's pace, not a wait on state

    producer = asyncio.create_task(steady_producer())
    process = ServiceProcess(settings, "relay").start()
    while kills < kills_wanted:
        target = await stream_count(settings.nats_url) + rng.randint(1, 60)
        await until(lambda n=target: _at_least(settings.nats_url, n), what=f"{target} events")
        process.kill()
        kills += 1
        process = ServiceProcess(settings, "relay").start()
    await producer
    try:
        await until(lambda: _at_least(settings.nats_url, stored), within=60, what="all events")
    finally:
        process.stop()
    assert_exactly_once_in_order(await stream_messages(settings.nats_url), stored)
