"""The API's database sessions: its statement timeout, and no JIT (compiling a report's
plan took 15 ms of a 29 ms query at 10M events; services/api/deps.py)."""

import psycopg
import pytest

from adapters.settings import Settings
from services.api import exports
from services.api.deps import session

pytestmark = pytest.mark.integration


async def shown(conn, setting: str) -> str:
    return (await (await conn.execute(f"SHOW {setting}")).fetchone())[0]


async def test_an_api_session_has_no_jit_and_cancels_a_query_that_runs_away(database_url):
    async with await psycopg.AsyncConnection.connect(database_url, **session(0.2)) as conn:
        assert await shown(conn, "jit") == "off"
        assert await shown(conn, "statement_timeout") == "200ms"
        with pytest.raises(psycopg.errors.QueryCanceled):
            await conn.execute("SELECT pg_sleep(5)")


async def test_the_export_pool_makes_its_sessions_the_same_way(database_url, tmp_path):
    settings = Settings(database_url=database_url, data_dir=tmp_path, api_statement_timeout=3)
    pool = exports.pool(settings)
    await pool.open()
    try:
        async with pool.connection() as conn:
            assert await shown(conn, "jit") == "off"
            assert await shown(conn, "statement_timeout") == "3s"
    finally:
        await pool.close()
