"""The report's counts per local day, in the zone each workspace has now.

A report over 15-minute buckets reads up to 96 rows a day for each (metric, source,
channel, team) that occurs in it: rows that grow with how busy a workspace is (a 30-day
report read 2,827 of them in the benchmark's 1M-event store, 7,942 at 10M). `day_counts`
and `day_user_counts` hold the same counts per local day of the workspace's zone
(`zones`; no row: the default, UTC), so a report in that zone reads at most one row a day
per combination. They are kept with the buckets, in the same statement, each bucket's
day cut by PostgreSQL as the bucket query cuts it (`bucket AT TIME ZONE zone`); on a
change of zone, the workspace's days are cut again from its buckets, one statement, no
event read. A report asked in another zone (the `time_zone` parameter) still re-cuts the
buckets (queries.py), so both give the same numbers.
"""

from __future__ import annotations

import msgspec
from psycopg import AsyncCursor

from domain.workspace import DEFAULT_TIME_ZONE
from projections.contacts_report.tables import (
    COUNTS,
    DAY_COUNTS,
    DAY_DIMENSIONS,
    DAY_USER_COUNTS,
    DAY_USER_DIMENSIONS,
    DIMENSIONS,
    USER_COUNTS,
    USER_DIMENSIONS,
    ZONES,
)
from projections.engine.base import reader
from projections.shared.tables import Table


def _columns(dimensions: str) -> list[str]:
    return [d.strip() for d in dimensions.split(",")]


class Rollup:
    """A bucket table and its per-day twin."""

    def __init__(self, buckets: Table, dimensions: str, days: Table, day_dims: str) -> None:
        self.buckets, self.days = buckets, days
        self.columns = _columns(dimensions)
        self.day_columns = _columns(day_dims)
        # the day table's columns, read from bucket rows `b` and their zone `z`
        self.cut = ", ".join(
            "(b.bucket AT TIME ZONE z.zone)::date" if c == "day" else f"b.{c}"
            for c in self.day_columns
        )
        self.group = ", ".join(str(n + 1) for n in range(len(self.day_columns)))

    def zone_of(self, schema: str) -> str:
        return (
            f"LEFT JOIN LATERAL (SELECT coalesce((SELECT time_zone FROM {ZONES.at(schema)} "
            f"WHERE workspace_id = b.workspace_id), '{DEFAULT_TIME_ZONE}') AS zone) z ON true"
        )

    def add_sql(self, schema: str) -> str:
        """Count deltas (a JSON array of bucket rows with their `count`) added to both."""
        types = ", ".join(f"{c} {'timestamptz' if c == 'bucket' else 'text'}" for c in self.columns)
        buckets, days = self.buckets.at(schema), self.days.at(schema)
        return (
            f"WITH b AS MATERIALIZED (SELECT * FROM json_to_recordset(%s::json) "
            f"AS d({types}, count bigint)), "
            f"counted AS (INSERT INTO {buckets} ({', '.join(self.columns)}, count) "
            f"SELECT * FROM b ON CONFLICT ON CONSTRAINT {self.buckets.name}_key DO UPDATE "
            f"SET count = {self.buckets.name}.count + EXCLUDED.count) "
            f"INSERT INTO {days} ({', '.join(self.day_columns)}, count) "
            f"SELECT {self.cut}, sum(b.count) FROM b {self.zone_of(schema)} "
            f"GROUP BY {self.group} ON CONFLICT ON CONSTRAINT {self.days.name}_key DO UPDATE "
            f"SET count = {self.days.name}.count + EXCLUDED.count"
        )

    def recut_sql(self, schema: str) -> list[str]:
        """The days of the workspaces `%s` cut again from their buckets."""
        days = self.days.at(schema)
        return [
            f"DELETE FROM {days} WHERE workspace_id = ANY(%s)",
            f"INSERT INTO {days} ({', '.join(self.day_columns)}, count) "
            f"SELECT {self.cut}, sum(b.count) FROM {self.buckets.at(schema)} b "
            f"{self.zone_of(schema)} WHERE b.workspace_id = ANY(%s) GROUP BY {self.group}",
        ]


COUNTED = Rollup(COUNTS, DIMENSIONS, DAY_COUNTS, DAY_DIMENSIONS)
USER_COUNTED = Rollup(USER_COUNTS, USER_DIMENSIONS, DAY_USER_COUNTS, DAY_USER_DIMENSIONS)


async def add(cur: AsyncCursor, schema: str, rollup: Rollup, deltas: dict[tuple, int]) -> None:
    """Add `deltas` (bucket row -> count) to the buckets and to the days of their zone."""
    if deltas:
        rows = [dict(zip(rollup.columns, key, strict=True)) | {"count": n}
                for key, n in deltas.items()]  # fmt: skip
        await reader(cur).execute(rollup.add_sql(schema), (msgspec.json.encode(rows).decode(),))


async def rezone(cur: AsyncCursor, schema: str, zones: dict[str, str]) -> None:
    """The workspaces' new zones (workspace -> zone), and their days cut again in them."""
    if not zones:
        return
    await cur.executemany(
        f"INSERT INTO {ZONES.at(schema)} VALUES (%s, %s) ON CONFLICT (workspace_id) "
        "DO UPDATE SET time_zone = EXCLUDED.time_zone",
        list(zones.items()),
    )
    for rollup in (COUNTED, USER_COUNTED):
        for sql in rollup.recut_sql(schema):
            await cur.execute(sql, (sorted(zones),))
