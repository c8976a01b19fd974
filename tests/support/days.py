"""A check for day roll-ups (projections/shared/days.py): a day table holds exactly its
bucket table's sums, cut into the local days of each workspace's zone now."""

from __future__ import annotations

import psycopg

from projections.shared.days import Rollup


def assert_days_are_the_buckets_cut(database_url: str, schema: str, rollup: Rollup) -> None:
    days = f"SELECT {', '.join([*rollup.day_columns, *rollup.sums])} FROM {rollup.days.at(schema)}"
    cut = (
        f"SELECT {rollup.cut}, {rollup.summed} FROM {rollup.buckets.at(schema)} b "
        f"{rollup.zone_join(schema)} GROUP BY {rollup.group}"
    )
    with psycopg.connect(database_url) as conn:
        for a, b in ((days, cut), (cut, days)):
            extra = conn.execute(f"{a} EXCEPT ALL {b}").fetchall()
            assert not extra, f"{rollup.days.name}: {extra}"


async def tables_read(conn, sql: str, params, tables: tuple[str, ...]) -> dict[str, bool]:
    """Which of `tables` the statement read when run ({table: read}): an arm whose
    one-time filter is false shows in the plan as never executed."""
    plan = await conn.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
    read: dict[str, bool] = {}
    for (line,) in await plan.fetchall():
        for table in tables:
            if f" on {table} " in f"{line} ":
                read[table] = read.get(table, False) or "never executed" not in line
    return read
