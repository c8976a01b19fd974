"""Compare read models: the live schema against a rebuild from the event store."""

from __future__ import annotations

import psycopg

from projections.registry import projection
from projections.runner import ProjectionRunner


async def rebuild(database_url: str, name: str, schema: str) -> int:
    """Rebuild projection `name` from scratch into `schema`; return its position."""
    target = projection(name, schema=schema)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await target.create(conn)
        return await ProjectionRunner(target).catch_up(conn)


def rows(database_url: str, schema: str, table: str) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(f"SELECT * FROM {schema}.{table} ORDER BY 1, 2, 3").fetchall()


async def assert_live_equals_rebuilt(database_url: str, name: str, tables: list[str]) -> None:
    await rebuild(database_url, name, f"scratch_{name}")
    for table in tables:
        live = rows(database_url, f"rm_{name}", table)
        rebuilt = rows(database_url, f"scratch_{name}", table)
        assert live == rebuilt, f"{name}.{table}: {len(live)} live rows, {len(rebuilt)} rebuilt"
        assert live, f"{name}.{table} is empty: the comparison proves nothing"
