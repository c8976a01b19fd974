"""A rebuild defers the roll-ups' days (projections/shared/deferred_days.py): a schema made
for a rebuild writes only the buckets; once its rows are in, every day is cut from them,
the model equals one built without deferring, and later batches write days again."""

import itertools

import psycopg
import pytest

from adapters.eventstore import EventStore
from chronicle_tools.bench.workload import BenchWorkload
from projections.communication import Communication
from projections.contacts_report import ContactsReport
from projections.engine.runner import ProjectionRunner
from tests.support.days import assert_days_are_the_buckets_cut
from tests.support.every_type import scenario_messages
from tests.support.store import ingest

pytestmark = pytest.mark.integration


async def differences(conn, model, other) -> dict[str, int]:
    """Rows of each of `model`'s tables not in `other`'s, both ways (none: equal)."""
    found = {}
    for table in model.table_names():
        for a, b in ((model, other), (other, model)):
            cur = await conn.execute(
                f"SELECT count(*) FROM (SELECT * FROM {a.schema}.{table} "
                f"EXCEPT ALL SELECT * FROM {b.schema}.{table}) x"
            )
            n = (await cur.fetchone())[0]
            if n:
                found[f"{a.schema}.{table}"] = n
    return found


async def rows(conn, table: str) -> int:
    return (await (await conn.execute(f"SELECT count(*) FROM {table}")).fetchone())[0]


@pytest.mark.parametrize("model_class", [Communication, ContactsReport])
async def test_given_a_schema_made_for_a_rebuild_then_its_days_are_cut_once_its_rows_are_in(
    database_url, model_class
):
    workload = BenchWorkload(3, 1200, workspaces=3, contacts=20)  # the same ids in each
    messages = scenario_messages()[0] + list(itertools.islice(workload, 1200))
    store = EventStore(database_url)
    ingest(store, messages[:800])
    plain, rebuilt = model_class(), model_class(f"{model_class.name}_rebuilt")
    days = [r.days.at(rebuilt.schema) for r in rebuilt.rollups]
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await plain.create(conn)
        await rebuilt.create(conn, defer_indexes=True)  # as a rebuild makes it
        for model in (plain, rebuilt):
            await ProjectionRunner(model).catch_up(conn, batch=100)
        deferred = {table: await rows(conn, table) for table in days}
        await rebuilt.create_deferred_indexes(conn)
        cut = {table: await rows(conn, table) for table in days}
        # while deferred, (almost) no day was written: those of zone changes and merges only
        assert all(deferred[t] < cut[t] for t in days), (deferred, cut)
        assert await rows(conn, f"{rebuilt.schema}.days_deferred") == 0
        assert await differences(conn, plain, rebuilt) == {}
        ingest(store, messages[800:])  # later batches write their days as they come
        for model in (plain, rebuilt):
            await ProjectionRunner(model).catch_up(conn, batch=100)
        assert await differences(conn, plain, rebuilt) == {}
        later = {table: await rows(conn, table) for table in days}
        assert sum(later.values()) > sum(cut.values()), (cut, later)  # it wrote some
    store.close()
    for rollup in rebuilt.rollups:
        assert_days_are_the_buckets_cut(database_url, rebuilt.schema, rollup)
