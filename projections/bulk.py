"""Many rows in one statement.

`executemany` sends one statement per row, even pipelined: at rebuild rates the per-row
bind, execute and result handling cost more than the rows themselves (and psycopg parses
a long multi-row VALUES text again on every call). Here the rows go as one array per
column, unnested: `INSERT INTO t (a, b) SELECT * FROM unnest(%s::text[], %s::bigint[])
ON CONFLICT ...` — a short statement of fixed text (prepared once), whatever the number
of rows, and otherwise the same SQL, so ON CONFLICT clauses keep their meaning, with one
rule PostgreSQL adds: in one statement a DO UPDATE may not meet the same key twice, so
callers pass rows with unique keys there (they aggregate per key already).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from psycopg import AsyncCursor

_INSERT = re.compile(
    r"^\s*INSERT INTO\s+(?P<table>[\w.]+)\s*(?:\((?P<columns>[^)]*)\))?\s*VALUES\s*"
    r"\((?P<values>(?:[^()]|\([^()]*\))*)\)(?P<tail>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_TYPES = (
    "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
    "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
)
_statements: dict[str, str] = {}  # the INSERT ... VALUES text -> its unnest form


async def unnest_form(cur: AsyncCursor, statement: str) -> str:
    """`statement` (INSERT INTO t [(columns)] VALUES (%s, ...) [tail]) as an unnest."""
    found = _statements.get(statement)
    if found is not None:
        return found
    match = _INSERT.match(statement)
    if match is None:
        raise ValueError(f"not an INSERT ... VALUES (...) statement: {statement[:80]}")
    await cur.execute(_TYPES, (match["table"],))
    types = dict(await cur.fetchall())
    columns = [c.strip() for c in match["columns"].split(",")] if match["columns"] else list(types)
    values = [v.strip() for v in match["values"].split(",")]
    # a value that is no placeholder (NULL, a constant) stays in the select list
    params = [c for c, v in zip(columns, values, strict=True) if v.startswith("%s")]
    picked = [f"u.{c}" if v.startswith("%s") else v for c, v in zip(columns, values, strict=True)]
    arrays = ", ".join(f"%b::{types[c]}[]" for c in params)  # binary: no text escaping
    found = (
        f"INSERT INTO {match['table']} ({', '.join(columns)}) "
        f"SELECT {', '.join(picked)} FROM unnest({arrays}) AS u({', '.join(params)})"
        f"{match['tail']}"
    )
    _statements[statement] = found
    return found


async def insert_many(cur: AsyncCursor, statement: str, rows: Iterable[Sequence]) -> None:
    """Run `statement` (INSERT ... VALUES (%s, ...) [ON CONFLICT ...]) for every row."""
    rows = list(rows)
    if rows:
        columns = [list(column) for column in zip(*rows, strict=True)]
        await cur.execute(await unnest_form(cur, statement), columns)
