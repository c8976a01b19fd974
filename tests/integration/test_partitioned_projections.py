"""Partitions of a projection: together they equal one runner over the whole log, and
changing their number keeps every event applied exactly once."""

import psycopg
import pytest

from adapters import bus
from adapters.eventstore import EventStore
from chronicle_tools.workload import demo_workload
from projections.engine.partitioning import adopt
from projections.engine.runner import PartitioningChanged, ProjectionRunner
from projections.engine.source import Slot, backlog, max_position
from projections.registry import PROJECTIONS, projection
from tests.support.readmodels import assert_live_equals_rebuilt
from tests.support.scenario import read_side_scenario
from tests.support.store import ingest

pytestmark = pytest.mark.integration
WORKSPACES = [f"ws_part{n}" for n in range(8)]


@pytest.fixture
def stored(database_url):
    with EventStore(database_url) as store:
        total = ingest(store, read_side_scenario("ws_part_read"))
        for n, ws in enumerate(WORKSPACES):
            total += ingest(store, demo_workload(60 + n, ws, f"r{n}"))
    return total


async def test_the_relays_hash_is_the_servers_partition_mapping(nats_url):
    nc = await bus.connect(nats_url, "test")
    js = nc.jetstream()
    await bus.ensure_streams(js, bus.StreamLimits(events_partitions=5))
    names = [f"ws_{n}" for n in range(60)] + ["ws_acme", "Ünïcode-ws", "a"]
    for name in names:
        await js.publish(bus.event_subject("contact.added.v1", name, "ab" * 16), b"{}")
    subjects = [(await js.get_msg(bus.EVENTS_STREAM, seq)).subject for seq in range(1, 64)]
    await nc.close()
    by_server = {s.split(".")[4]: int(s.split(".")[-1]) for s in subjects}
    assert by_server == {name: bus.partition_of(name, 5) for name in names}
    assert len(set(by_server.values())) == 5


async def test_partitions_together_equal_one_pass_over_the_log(database_url, stored):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for name in PROJECTIONS:
            live = projection(name)
            await live.create(conn)
            assert await adopt(conn, live, 3)
            # each partition catches up in two steps, interleaved with the others
            for upto in (stored // 2, None):
                for index in range(3):
                    await ProjectionRunner(live, slot=Slot(index, 3)).catch_up(conn, upto)
            assert await live.watermarks(conn) == {0: stored, 1: stored, 2: stored}
            assert await live.position(conn) == await max_position(conn)
    await assert_live_equals_rebuilt(database_url)  # rebuilt in one pass, whole


async def test_changing_the_number_of_partitions_applies_nothing_twice(database_url, stored):
    timeline = projection("timeline")
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await timeline.create(conn)
        await ProjectionRunner(timeline).catch_up(conn, upto=stored // 3)
        await adopt(conn, timeline, 4)  # from one: its position is every partition's
        assert set((await timeline.watermarks(conn)).values()) == {stored // 3}
        for index, upto in enumerate((stored // 2, stored - 5, stored // 3 + 1, stored)):
            await ProjectionRunner(timeline, slot=Slot(index, 4)).catch_up(conn, upto)
        stale = ProjectionRunner(timeline, slot=Slot(1, 4))
        await adopt(conn, timeline, 2)  # uneven: all four are brought level first
        assert set((await timeline.watermarks(conn)).values()) == {stored}
        with pytest.raises(PartitioningChanged):
            await stale.catch_up(conn)
        await adopt(conn, timeline, 1)
        assert await timeline.watermarks(conn) == {None: stored}
    await assert_live_equals_rebuilt(database_url, ["timeline"])


async def test_a_partitions_backlog_counts_only_its_workspaces(database_url, stored):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        whole, oldest = await backlog(conn, 0)
        parts = [await backlog(conn, 0, Slot(i, 3)) for i in range(3)]
        cur = await conn.execute("SELECT workspace_id FROM event_chain ORDER BY 1")
        workspaces = [ws for (ws,) in await cur.fetchall()]
        assert (await backlog(conn, stored))[0] == 0
    assert whole == stored == sum(n for n, _ in parts)
    assert [n for n, _ in parts] == [
        sum(bus.partition_of(ws, 3) == i for ws in workspaces) for i in range(3)
    ]
    assert oldest is not None and min(t for _, t in parts if t) == oldest


async def test_workers_starting_together_create_the_schema_once(database_url):
    import asyncio

    async def start_worker() -> None:
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
            await projection("timeline").create(conn)
            await adopt(conn, projection("timeline"), 4)

    await asyncio.gather(*(start_worker() for _ in range(6)))
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        assert await projection("timeline").watermarks(conn) == {0: 0, 1: 0, 2: 0, 3: 0}
