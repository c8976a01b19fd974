"""The plans PostgreSQL makes for a query class's statements: what the plan tests of
queries that must not grow with the store read (tests/integration/test_*_plans.py)."""

from __future__ import annotations

import json
import re

import psycopg


def plan_nodes(plan: dict) -> list[dict]:
    found = [plan]
    for child in plan.get("Plans", ()):
        found += plan_nodes(child)
    return found


async def explain(
    conn, sql: str, params, generic: bool = False, analyze: bool = False
) -> list[dict]:
    """The plan of `sql` with `params`; `generic`: as PostgreSQL plans it once prepared
    without its values (psycopg prepares a statement run five times); `analyze`: run, with
    the rows each node returned."""
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    if not generic:
        cur = await conn.execute(f"EXPLAIN ({options}) {sql}", params)
    else:
        numbered = iter(range(1, len(params) + 1))
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        await conn.execute(f"PREPARE q AS {re.sub('%s', lambda _: f'${next(numbered)}', sql)}")
        args = ", ".join(["%s"] * len(params))
        cur = psycopg.AsyncClientCursor(conn)  # the values as literals: their types known
        await cur.execute(f"EXPLAIN ({options}) EXECUTE q({args})", params)
    (row,) = await cur.fetchall()
    if generic:
        await conn.execute("DEALLOCATE q")
        await conn.execute("RESET plan_cache_mode")
    document = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    return plan_nodes(document[0]["Plan"])


def scans_of(nodes: list[dict], table: str) -> list[tuple[str, str | None]]:
    """How `table` is read: (node type, index) of each scan of it, bitmaps' index scans
    included (their heap scan names the table, the index scan the index)."""
    return [
        (n["Node Type"], n.get("Index Name"))
        for n in nodes
        if (n.get("Relation Name") == table and n["Node Type"] != "Bitmap Heap Scan")
        or n["Node Type"] == "Bitmap Index Scan"
    ]


def rows_read(nodes: list[dict], table: str) -> int:
    """How many rows the scans of `table` returned in all (a plan made with `analyze`)."""
    return sum(
        n["Actual Rows"] * n["Actual Loops"] for n in nodes if n.get("Relation Name") == table
    )
