"""Substring filters served by trigram indexes, where PostgreSQL has them.

A substring filter (`LIKE '%text%'`) over a workspace's rows, newest first, can be read two
ways: down the time-ordered index until a page of matches turns up (its cost grows with
how far apart matches are, so with the workspace's or record's history), or from a GIN
index of the text's trigrams that also holds the workspace (and record) as keys, which
yields only the rows that match, then sorted (its cost follows the matches). The planner
picks between them from statistics, which a store never analyzed does not have, and it
picked the first at a million events (docs/performance.md, "Queries flat with store
size"). So the readers ask for the second explicitly: the matches in a subquery the planner
cannot push the ORDER BY and LIMIT into (`OFFSET 0`), then sorted.

The indexes need the `pg_trgm` and `btree_gin` extensions (the contrib modules every
standard PostgreSQL package has; the `pgserver` wheel has neither). Where they cannot be
installed the indexes are not made, and the queries keep reading the time order
(`indexed` says which).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import psycopg
from psycopg import AsyncConnection

from projections.shared.tables import Index

EXTENSIONS = ("pg_trgm", "btree_gin")
RECHECK_SECONDS = 60.0  # an absent index is looked for again after this long

_found: dict[tuple, float] = {}  # (server, database, index) -> when it was found; inf: present


async def create(conn: AsyncConnection, schema: str, indexes: Iterable[Index]) -> bool:
    """Make `indexes` in `schema` where the extensions exist or can be installed."""
    try:
        for extension in EXTENSIONS:
            await conn.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    except psycopg.Error:  # not installed, or not ours to install
        return False
    for index in indexes:
        await conn.execute(index.create(schema))
    return True


async def indexed(conn: AsyncConnection, qualified_name: str) -> bool:
    """Does the index `schema.name` exist on `conn`'s database? Remembered once found (a
    rebuilt generation gets its indexes before it is swapped in); an absent one is looked
    for again after RECHECK_SECONDS."""
    info = conn.info
    key = (info.host, info.port, info.dbname, qualified_name)
    seen = _found.get(key)
    if seen is not None and (seen == float("inf") or time.monotonic() - seen < RECHECK_SECONDS):
        return seen == float("inf")
    cur = await conn.execute("SELECT to_regclass(%s) IS NOT NULL", (qualified_name,))
    present = bool((await cur.fetchone())[0])
    _found[key] = float("inf") if present else time.monotonic()
    return present
