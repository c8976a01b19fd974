"""Read queries, one module per read model; each takes a Scope and filters by it."""

from __future__ import annotations

from psycopg import AsyncConnection
from psycopg.rows import dict_row


async def rows(conn: AsyncConnection, sql: str, params: tuple | list) -> list[dict]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall()
