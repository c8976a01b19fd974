"""On a three-node NATS cluster with every stream replicated three times, the stream
leader can die mid-stream: the relay and the projector carry on with the others, and
every event reaches the read model exactly once."""

import nats
import psycopg
import pytest

from adapters import bus
from adapters.eventstore import EventStore
from chronicle_tools.workload import demo_workload
from projections.registry import PROJECTIONS, projection
from services.projector import ProjectorHost
from services.relay import Relay
from tests.support.cluster import NatsCluster
from tests.support.readmodels import assert_live_equals_rebuilt
from tests.support.store import ingest
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


@pytest.fixture
def cluster():
    nodes = NatsCluster()
    yield nodes
    nodes.close()


async def test_losing_the_stream_leader_loses_and_repeats_nothing(database_url, cluster):
    from adapters.settings import Settings

    settings = Settings(
        database_url=database_url,
        nats_url=cluster.url,
        stream_replicas=3,
        checkpoint_interval=0,
    )
    nc = await nats.connect(bus.servers(cluster.url), max_reconnect_attempts=-1)
    js = nc.jetstream()

    async def jetstream_ready():
        try:
            await bus.ensure_streams(js, bus.StreamLimits.of(settings))
            return (await js.stream_info(bus.EVENTS_STREAM)).cluster.leader
        except Exception:  # the meta leader is still being elected
            return None

    await until(jetstream_ready, within=60, what="a JetStream meta leader")
    with EventStore(database_url) as store:
        first = ingest(store, demo_workload(21, "ws_cl", "a"))
    relay = Relay(settings)
    timeline = ProjectorHost(settings, [projection("timeline")], list(PROJECTIONS))
    await relay.start()
    await timeline.start()

    async def at(position: int):
        return timeline.position == position

    try:
        await until(lambda: at(first), within=60, what="the first events projected")
        info = await js.stream_info(bus.EVENTS_STREAM)
        leader = info.cluster.leader
        cluster.kill(leader)
        with EventStore(database_url) as store:
            total = first + ingest(store, demo_workload(22, "ws_cl2", "b"))
        await until(lambda: at(total), within=90, what="the rest projected after the leader died")

        async def stream_info():
            try:
                return await js.stream_info(bus.EVENTS_STREAM)
            except Exception:
                return None

        after = await until(stream_info, within=30, what="the stream's new leader")
    finally:
        await timeline.stop()
        await relay.stop()
        await nc.close()
    assert info.config.num_replicas == 3 and len(info.cluster.replicas) == 2
    assert after.cluster.leader != leader
    assert after.state.messages == after.state.last_seq == total  # once each, no gaps
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT position FROM relay_position").fetchone()[0] == total
    await assert_live_equals_rebuilt(database_url, ["timeline"])
