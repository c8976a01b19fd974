"""Compare read models: the live schemas against a rebuild from the event store."""

from __future__ import annotations

from services.operate.checks import compare_with_rebuild


async def assert_live_equals_rebuilt(database_url: str, names: list[str] | None = None) -> None:
    for result in await compare_with_rebuild(database_url, names):
        assert result.equal, f"{result.name} differs from a rebuild: {result.differences}"
        assert sum(result.rows.values()), f"{result.name} is empty: the comparison proves nothing"


def rows(database_url: str, schema: str, table: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(f"SELECT * FROM {schema}.{table} ORDER BY 1, 2, 3").fetchall()
