"""The events stream keeps days, not everything: PostgreSQL holds the full log, so events
that aged out of the stream are still relayed after and projected from the store."""

import psycopg
import pytest
from nats.js.errors import NotFoundError

from adapters import bus
from adapters.eventstore import EventStore
from chronicle_tools.workload import demo_workload
from projections.registry import PROJECTIONS, projection
from services.projector import ProjectorHost
from services.relay import Relay
from tests.support.readmodels import assert_live_equals_rebuilt
from tests.support.store import ingest
from tests.support.waiting import until

pytestmark = pytest.mark.integration


async def test_the_events_stream_has_the_configured_limits(settings):
    nc = await bus.connect(settings.nats_url, "test")
    await bus.ensure_streams(nc.jetstream(), bus.StreamLimits.of(settings))
    info = await nc.jetstream().stream_info(bus.EVENTS_STREAM)
    await nc.close()
    assert info.config.max_age == settings.events_max_age == 7 * 86400
    assert info.config.max_bytes == settings.events_max_bytes == 2 * 1024**3
    assert info.config.duplicate_window == settings.events_duplicate_window


async def test_events_that_aged_out_of_the_stream_still_reach_the_read_model(settings):
    settings = settings.model_copy(update={"events_max_age": 1.0, "events_duplicate_window": 1.0})
    with EventStore(settings.database_url) as store:
        first = ingest(store, demo_workload(11, "ws_ret", "a"))
    relay = Relay(settings)
    await relay.start()
    nc = await bus.connect(settings.nats_url, "test")
    js = nc.jetstream()

    async def stream_holds(count: int):
        try:
            info = await js.stream_info(bus.EVENTS_STREAM)
        except NotFoundError:  # the relay creates it as it starts
            return False
        return info.state.messages == count and info.state.last_seq >= first

    try:
        await until(lambda: stream_holds(first), what="the first events on the stream")
        await until(lambda: stream_holds(0), within=15, what="them to age out")
        await relay.stop()  # restarts with an empty stream: resumes from its bookmark
        with EventStore(settings.database_url) as store:
            total = first + ingest(store, demo_workload(12, "ws_ret2", "b"))
        relay = Relay(settings)
        await relay.start()
        timeline = ProjectorHost(settings, [projection("timeline")], list(PROJECTIONS))
        await timeline.start()  # late: everything it missed comes from the store

        async def projected():
            return timeline.position == total

        await until(projected, what="the timeline at the head")
        info = await js.stream_info(bus.EVENTS_STREAM)
        await timeline.stop()
    finally:
        await relay.stop()
        await nc.close()
    assert info.state.last_seq == total  # each event went on the stream exactly once
    with psycopg.connect(settings.database_url) as conn:
        relayed = conn.execute("SELECT position FROM relay_position").fetchone()[0]
    assert relayed == total
    await assert_live_equals_rebuilt(settings.database_url, ["timeline"])
