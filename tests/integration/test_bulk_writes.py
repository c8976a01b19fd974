"""Rows written in bulk (projections/engine/bulk.py: one statement for many rows) equal the rows
the same INSERT ... VALUES statements write one by one, for every read model, over every
envelope type of the catalogue and a busy mixed workload."""

import itertools
import sys

import psycopg
import pytest

from adapters.eventstore import EventStore
from chronicle_tools.bench.workload import BenchWorkload
from projections.engine.runner import ProjectionRunner
from projections.registry import PROJECTIONS
from tests.support.every_type import scenario_messages
from tests.support.store import ingest

pytestmark = pytest.mark.integration


async def one_by_one(cur, statement, rows):
    rows = list(rows)
    if rows:
        await cur.executemany(statement, rows)


def writers() -> list:
    """The projection modules that write with insert_many."""
    return [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("projections.") and hasattr(module, "insert_many")
    ]


async def test_bulk_rows_equal_rows_written_one_by_one(database_url, monkeypatch):
    messages, _ = scenario_messages()
    messages += list(itertools.islice(BenchWorkload(17, 3000, workspaces=2, contacts=40), 3000))
    store = EventStore(database_url)
    ingest(store, messages)
    store.close()
    assert len(writers()) >= 5
    differences, compared = {}, 0
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for name, cls in PROJECTIONS.items():
            bulk, single = cls(f"bulk_{name}"), cls(f"single_{name}")
            await bulk.create(conn)
            await ProjectionRunner(bulk).catch_up(conn)
            with monkeypatch.context() as patched:
                for module in writers():
                    patched.setattr(module, "insert_many", one_by_one)
                await single.create(conn)
                await ProjectionRunner(single).catch_up(conn)
            for table in bulk.table_names():
                for a, b in ((bulk, single), (single, bulk)):
                    cur = await conn.execute(
                        f"SELECT count(*) FROM (SELECT * FROM {a.schema}.{table} EXCEPT ALL "
                        f"SELECT * FROM {b.schema}.{table}) d"
                    )
                    if (n := (await cur.fetchone())[0]) != 0:
                        differences[(a.schema, table)] = n
                cur = await conn.execute(f"SELECT count(*) FROM {bulk.schema}.{table}")
                compared += (await cur.fetchone())[0]
    assert differences == {}
    assert compared > len(messages)
