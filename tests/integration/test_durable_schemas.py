"""The projector host commits rows and positions without waiting for the disk (both come
again from the store after a crash); the schemas and partition layouts it makes on that
same connection cannot come again, so they must survive a crash made the moment after."""

import psycopg
import pytest

from projections.engine.partitioning import adopt
from projections.registry import PROJECTIONS, projection
from tests.support.infra import PrivatePostgres

pytestmark = pytest.mark.integration


async def test_schemas_made_on_a_fast_commit_connection_survive_a_crash():
    models = [projection(name) for name in PROJECTIONS]
    pg = PrivatePostgres()
    try:
        async with await psycopg.AsyncConnection.connect(
            pg.url, autocommit=True, options="-c synchronous_commit=off"
        ) as conn:
            # A long WAL writer pause: an unflushed commit is surely lost by the crash.
            await conn.execute("ALTER SYSTEM SET wal_writer_delay = '10s'")
            await conn.execute("SELECT pg_reload_conf()")
        async with await psycopg.AsyncConnection.connect(
            pg.url, autocommit=True, options="-c synchronous_commit=off"
        ) as conn:
            for model in models:
                await model.create(conn)
                await adopt(conn, model, 2)
        pg.pg_ctl("restart", "-m", "immediate")  # no shutdown checkpoint: a crash
        with psycopg.connect(pg.url) as conn:
            for model in models:
                partitions = conn.execute(
                    f"SELECT partitions FROM {model.schema}.tracking"
                ).fetchone()
                assert partitions == (2,), model.name
    finally:
        pg.close()
