"""`chronicle check`: does every live read model equal a rebuild from the event store?

Each projection is rebuilt into a scratch schema inside one REPEATABLE READ transaction,
up to the live projection's position as that transaction sees it, so the live tables and
the rebuild describe the same moment while the projectors keep running. Tables are
compared row for row both ways (EXCEPT ALL); the transaction is then rolled back, so the
scratch schema never exists for anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from projections.engine.base import Projection
from projections.engine.partitioning import rebuild_like
from projections.registry import PROJECTIONS, projection


@dataclass
class Comparison:
    name: str
    position: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    differences: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return not self.differences


async def compare_with_rebuild(
    database_url: str,
    names: list[str] | None = None,
    batch: int = 5000,
    classes: dict[str, type[Projection]] | None = None,
) -> list[Comparison]:
    """Compare each named projection (default: all registered) with a rebuild by its code:
    the registered class, or the one `classes` gives for its name."""
    results = []
    for name in names or list(PROJECTIONS):
        cls = (classes or {}).get(name) or type(projection(name))
        live, scratch = cls(), cls(f"check_{name}")
        result = Comparison(name)
        async with await psycopg.AsyncConnection.connect(database_url) as conn:
            await conn.set_isolation_level(psycopg.IsolationLevel.REPEATABLE_READ)
            async with conn.transaction(force_rollback=True):
                result.position = await live.position(conn)
                await conn.execute(f"DROP SCHEMA IF EXISTS {scratch.schema} CASCADE")
                for statement in scratch.ddl():
                    await conn.execute(statement)
                await rebuild_like(conn, live, scratch, batch)
                for table in live.table_names():
                    result.rows[table] = await _count(conn, f"{live.schema}.{table}")
                    only_live = await _except(conn, live.schema, scratch.schema, table)
                    only_rebuilt = await _except(conn, scratch.schema, live.schema, table)
                    if only_live or only_rebuilt:
                        result.differences[table] = (only_live, only_rebuilt)
        results.append(result)
    return results


async def _count(conn: psycopg.AsyncConnection, table: str) -> int:
    return (await (await conn.execute(f"SELECT count(*) FROM {table}")).fetchone())[0]


async def _except(conn: psycopg.AsyncConnection, left: str, right: str, table: str) -> int:
    cur = await conn.execute(
        f"SELECT count(*) FROM (SELECT * FROM {left}.{table} EXCEPT ALL "
        f"SELECT * FROM {right}.{table}) AS only_left"
    )
    return (await cur.fetchone())[0]
