"""Counts per local day of each workspace's zone, kept beside the 15-minute UTC buckets.

A report over 15-minute buckets reads up to 96 rows a day for each combination of its
dimensions that occurs: rows that grow with how busy a workspace is (the contacts report
of the benchmark's busiest workspace read 2,827 of them for 30 days at 1M events, 7,942
at 10M). A day table holds the same sums per local day of the zone the workspace has now
(its model's `zones` table; no row: the default, UTC), so a report in that zone reads at
most one row a day per combination. The days are written in the statement that writes the
buckets, each bucket's day cut by PostgreSQL as the bucket queries cut it (`bucket AT TIME
ZONE zone`); on a change of zone the workspace's days are cut again from its buckets (one
statement, no event read). A report asked in another zone (`time_zone=`) still re-cuts
the buckets, and `zoned` lets one statement choose, so both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgspec
from psycopg import AsyncCursor

from domain.workspace import DEFAULT_TIME_ZONE
from projections.engine.base import reader
from projections.engine.bulk import row_type
from projections.shared.tables import Table

# Has a row while a rebuild defers a schema's days (projections/shared/deferred_days.py).
DEFERRAL = "days_deferred"


def zones_table(schema: str) -> Table:
    """The zone each workspace's days are cut in."""
    return Table(
        schema, "zones", "workspace_id text NOT NULL, time_zone text NOT NULL", key="workspace_id"
    )


def _zone_of(zones: str, workspace: str) -> str:
    """SQL: the zone the days of `workspace` (an SQL expression) are cut in."""
    return (
        f"coalesce((SELECT time_zone FROM {zones} WHERE workspace_id = {workspace}), "
        f"'{DEFAULT_TIME_ZONE}')"
    )


def zoned(zones: Table) -> str:
    """SQL, true when the days of workspace `%s` are cut in zone `%s` (two parameters)."""
    return f"(SELECT {_zone_of(str(zones), '%s')} = %s)"


@dataclass(frozen=True)
class AlsoUnder:
    """Every row added is also added under other keys: `join(schema)` is SQL joining the
    rows (`v`) to what gives those keys, `replace` the SQL of the columns that change."""

    join: Callable[[str], str]
    replace: dict[str, str]


class Rollup:
    """A bucket table (`dimensions` with a `bucket`, then `sums`), with a UNIQUE constraint
    `<name>_key` over its dimensions, and its per-day twin `days` (`day_<name>`: the same
    columns and key with a `day` for the `bucket`); with `also`, each row added counts
    under the keys it gives as well."""

    def __init__(
        self,
        buckets: Table,
        zones: Table,
        dimensions: str,
        sums: tuple = ("count",),
        also: AlsoUnder | None = None,
    ) -> None:
        self.buckets, self.zones, self.sums, self.also = buckets, zones, sums, also
        self.columns = [d.strip() for d in dimensions.split(",")]
        self.day_columns = ["day" if c == "bucket" else c for c in self.columns]
        buckets.names(*self.columns, *sums)  # each is a column: checked at import
        name = f"day_{buckets.name}"
        self.days = Table(
            buckets.schema,
            name,
            ", ".join(
                "day date NOT NULL" if d.split()[0] == "bucket" else d for d in buckets.definitions
            ),
            constraints=(
                f"CONSTRAINT {name}_key UNIQUE NULLS NOT DISTINCT ({', '.join(self.day_columns)})",
            ),
        )
        self.cut = ", ".join(
            "(b.bucket AT TIME ZONE z.zone)::date" if c == "bucket" else f"b.{c}"
            for c in self.columns
        )
        self.group = ", ".join(str(n + 1) for n in range(len(self.columns)))
        self.summed = ", ".join(f"sum(b.{s})" for s in sums)
        self._resummed = ", ".join(f"sum({s}) AS {s}" for s in sums)  # over a subquery
        self._add_sql: dict[str, str] = {}  # by schema: built once, not every batch
        self._row = row_type([*self.columns, *sums])

    def zone_join(self, schema: str) -> str:
        """Joins each bucket row `b` to its workspace's zone `z.zone`."""
        zone = _zone_of(self.zones.at(schema), "b.workspace_id")
        return f"CROSS JOIN LATERAL (SELECT {zone} AS zone) z"

    def _upsert(self, table: Table, schema: str, columns: list[str]) -> str:
        added = ", ".join(f"{s} = {table.name}.{s} + EXCLUDED.{s}" for s in self.sums)
        return (
            f"INSERT INTO {table.at(schema)} ({', '.join([*columns, *self.sums])}) {{rows}} "
            f"ON CONFLICT ON CONSTRAINT {table.name}_key DO UPDATE SET {added}"
        )

    def add_sql(self, schema: str) -> str:
        if schema not in self._add_sql:
            self._add_sql[schema] = self._build_add_sql(schema)
        return self._add_sql[schema]

    def _build_add_sql(self, schema: str) -> str:
        typed = {d.split()[0]: d.split()[1] for d in self.buckets.definitions}
        types = ", ".join(f"{c} {typed[c]}" for c in self.columns)
        sums = ", ".join(f"{s} {typed[s]}" for s in self.sums)
        to_buckets = self._upsert(self.buckets, schema, self.columns)
        to_days = self._upsert(self.days, schema, self.day_columns)
        given = f"SELECT * FROM json_to_recordset(%s::json) AS d({types}, {sums})"
        if self.also:
            given = (
                f"WITH given AS MATERIALIZED ({given}) SELECT {', '.join(self.columns)}, "
                f"{self._resummed} FROM (SELECT * FROM given "
                f"UNION ALL {self._picked(self.columns, 'given v ' + self.also.join(schema))}"
                f") u GROUP BY {self.group}"
            )
        return (
            f"WITH b AS MATERIALIZED ({given}), "
            f"counted AS ({to_buckets.format(rows='SELECT * FROM b')}) "
            + to_days.format(
                rows=f"SELECT {self.cut}, {self.summed} FROM b {self.zone_join(schema)} "
                f"WHERE NOT EXISTS (SELECT FROM {schema}.{DEFERRAL}) GROUP BY {self.group}"
            )
        )

    async def add(self, cur: AsyncCursor, schema: str, rows: list[tuple]) -> None:
        """Add `rows` (dimensions, then sums; each key once) to the buckets and to the
        days of their workspaces' zones (only the buckets while a rebuild defers the
        days: projections/shared/deferred_days.py)."""
        if rows:
            row = self._row
            text = msgspec.json.encode([row(*values) for values in rows]).decode()
            await reader(cur).execute(self.add_sql(schema), (text,))

    async def cut_all(self, cur: AsyncCursor, schema: str) -> None:
        """Every workspace's days cut again from the buckets."""
        await self._cut(cur, schema, None)

    def _picked(self, columns: list[str], source: str) -> str:
        """SQL: the rows of `source` (`v`, joined as `also` joins) under the keys `also`
        gives, not yet summed."""
        replace = self.also.replace if self.also else {}
        picked = ", ".join(f"{replace[c]} AS {c}" if c in replace else f"v.{c}" for c in columns)
        return f"SELECT {picked}, {', '.join(f'v.{s}' for s in self.sums)} FROM {source}"

    async def add_also(self, cur: AsyncCursor, schema: str, where: str, params: list) -> None:
        """The rows already counted where `where` holds (SQL over `v`), added again under
        the keys `also` gives them now, in both tables. Each table's statement reads it as
        it was before the statement, so what it adds is not read again."""
        assert self.also, "a rollup without `also`"
        for table, columns in ((self.buckets, self.columns), (self.days, self.day_columns)):
            source = f"{table.at(schema)} v {self.also.join(schema)} WHERE {where}"
            rows = (
                f"SELECT {', '.join(columns)}, {self._resummed} "
                f"FROM ({self._picked(columns, source)}) u GROUP BY {self.group}"
            )
            await cur.execute(self._upsert(table, schema, columns).format(rows=rows), params)

    async def recut(self, cur: AsyncCursor, schema: str, workspaces: list[str]) -> None:
        """The days of `workspaces` cut again from their buckets, in their zones now."""
        await self._cut(cur, schema, workspaces)

    async def _cut(self, cur: AsyncCursor, schema: str, workspaces: list[str] | None) -> None:
        """The days of `workspaces` (None: all) cut again from the buckets."""
        days, some = self.days.at(schema), workspaces is not None
        params = (workspaces,) if some else ()
        await cur.execute(
            f"DELETE FROM {days}" + (" WHERE workspace_id = ANY(%s)" if some else ""), params
        )
        await cur.execute(
            f"INSERT INTO {days} ({', '.join([*self.day_columns, *self.sums])}) "
            f"SELECT {self.cut}, {self.summed} FROM {self.buckets.at(schema)} b "
            f"{self.zone_join(schema)}"
            + (" WHERE b.workspace_id = ANY(%s)" if some else "")
            + f" GROUP BY {self.group}",
            params,
        )


async def rezone(cur: AsyncCursor, schema: str, changed: dict, *rollups: Rollup) -> None:
    """Workspaces' new zones (`changed`: workspace -> zone), in the rollups' zones table,
    and their days cut again."""
    if changed:
        for zones in sorted({rollup.zones.at(schema) for rollup in rollups}):
            await cur.executemany(
                f"INSERT INTO {zones} VALUES (%s, %s) ON CONFLICT (workspace_id) "
                "DO UPDATE SET time_zone = EXCLUDED.time_zone",
                list(changed.items()),
            )
        for rollup in rollups:
            await rollup.recut(cur, schema, sorted(changed))
