"""Read models built together, in one pass over the store (projections/engine/together.py),
equal read models built one by one — also when some of them were already part built."""

import itertools

import psycopg
import pytest

from adapters.eventstore import EventStore
from chronicle_tools.bench.workload import BenchWorkload
from projections.engine.runner import ProjectionRunner
from projections.engine.together import catch_up_together, split
from projections.registry import PROJECTIONS, projection
from services.operate.checks import compare_with_rebuild
from tests.support.every_type import scenario_messages
from tests.support.store import ingest

pytestmark = pytest.mark.integration


async def stored_and_created(database_url: str, seed: int, envelopes: int) -> tuple[int, list]:
    """Every envelope type and `envelopes` of the bench workload stored; every read model's
    schema made, empty. Returns the store's head and the models."""
    messages, _ = scenario_messages()
    messages += list(
        itertools.islice(BenchWorkload(seed, envelopes, workspaces=2, contacts=30), envelopes)
    )
    store = EventStore(database_url)
    stored = ingest(store, messages)
    store.close()
    built = [projection(name) for name in PROJECTIONS]
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for p in built:
            await p.create(conn)
    return stored, built


async def test_built_together_from_different_positions_equals_built_alone(database_url):
    stored, built = await stored_and_created(database_url, 5, 2000)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        # two of them were part built before (a pass that stopped, a projector that ran)
        await ProjectionRunner(built[0]).catch_up(conn, upto=stored // 3)
        await ProjectionRunner(built[1]).catch_up(conn, upto=stored // 2)
    reads = []
    positions = await catch_up_together(
        database_url, built, batch=700, progress=lambda n, at: reads.append((n, at))
    )
    assert positions == {name: stored for name in PROJECTIONS}
    assert reads[0][1] - reads[0][0] == 0  # read from the least advanced one's position
    assert sum(n for n, _ in reads) == stored and reads[-1][1] == stored
    results = await compare_with_rebuild(database_url)
    assert {r.name: r.differences for r in results} == {name: {} for name in PROJECTIONS}
    assert all(sum(r.rows.values()) > 0 for r in results)


async def test_built_in_two_passes_equals_built_alone(database_url):
    """`rebuild --all --passes 2`: two processes, each building a share of the models over
    the same stretch of the store, make the tables one model at a time would."""
    stored, built = await stored_and_created(database_url, 6, 1500)
    reads = []
    positions = await catch_up_together(
        database_url, built, batch=500, progress=lambda n, at: reads.append((n, at)), passes=2
    )
    assert positions == {name: stored for name in PROJECTIONS}
    assert sum(n for n, _ in reads) == stored and reads[-1][1] == stored
    results = await compare_with_rebuild(database_url)
    assert {r.name: r.differences for r in results} == {name: {} for name in PROJECTIONS}


def test_passes_share_the_models_by_cost():
    built = [projection(name) for name in PROJECTIONS]
    groups = split(built, 2)
    assert sorted(p.name for g in groups for p in g) == sorted(PROJECTIONS)
    costs = sorted(sum(p.cost for p in g) for g in groups)
    assert costs[1] - costs[0] <= max(p.cost for p in built if p.name != "timeline")
    assert [len(g) for g in split(built, 1)] == [len(built)]
    assert len(split(built[:1], 4)) == 1
