"""Projections apply each event once, in order, whatever the transport delivers."""

import itertools

import psycopg
import pytest

from adapters.eventstore import EventStore
from chronicle_tools.workload import demo_workload
from projections.engine.runner import ProjectionRunner
from projections.engine.source import read_batches
from projections.registry import projection
from tests.support.readmodels import rows
from tests.support.store import ingest

pytestmark = pytest.mark.integration


@pytest.fixture
def stored(database_url):
    store = EventStore(database_url)
    total = ingest(store, demo_workload(5, "ws_proj", "p"))
    store.close()
    return total


async def all_events(conn, runner):
    return [e async for batch in read_batches(conn, runner.mapper, 0, 10**9) for e in batch]


async def test_a_redelivered_batch_changes_nothing(database_url, stored):
    timeline = projection("timeline")
    runner = ProjectionRunner(timeline)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await timeline.create(conn)
        events = await all_events(conn, runner)
        pairs = [(0, events[0])] + [(a.position, b) for a, b in itertools.pairwise(events)]
        assert await runner.apply(conn, pairs) == stored
        before = rows(database_url, "rm_timeline", "entries")
        assert await runner.apply(conn, pairs) == stored
        assert await runner.apply(conn, pairs[:5]) == stored
    assert rows(database_url, "rm_timeline", "entries") == before
    assert len(before) == stored  # every event of this workload names a contact


async def test_a_gap_in_what_arrives_is_filled_from_the_store(database_url, stored):
    trail = projection("audit_trail")
    runner = ProjectionRunner(trail)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await trail.create(conn)
        events = await all_events(conn, runner)
        last = events[-1]
        # Only the last event arrives; it says the one before it is events[-2].
        assert await runner.apply(conn, [(events[-2].position, last)]) == last.position
    assert runner.gaps_filled == stored - 1
    conversation_events = [e for e in events if e.type.startswith("conversation.")]
    assert len(rows(database_url, "rm_audit_trail", "entries")) == len(conversation_events)


async def test_catching_up_in_bulk_equals_applying_one_by_one(database_url, stored):
    one_by_one = projection("timeline", schema="one_by_one")
    runner = ProjectionRunner(one_by_one)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await one_by_one.create(conn)
        previous = 0
        for event in await all_events(conn, runner):
            await runner.apply(conn, [(previous, event)])
            previous = event.position
        bulk = projection("timeline", schema="bulk")
        await bulk.create(conn)
        assert await ProjectionRunner(bulk).catch_up(conn, batch=7) == stored
    assert rows(database_url, "one_by_one", "entries") == rows(database_url, "bulk", "entries")
