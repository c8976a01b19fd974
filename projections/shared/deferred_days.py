"""Day tables deferred while a rebuild writes its rows (projections/shared/days.py).

Every batch of a roll-up adds its counts to the buckets and, in the same statement, to the
days: an upsert into a second table with a key as wide as the first, which in a rebuild is
about as much of PostgreSQL's work as the buckets themselves. A day table holds exactly its
buckets' sums cut into the workspace's local days, so a rebuild can write the buckets only
and cut every day from them once, at the end, in one set-based statement per table, as it
creates the readers' indexes then (services/operate/rebuild.py).

A schema made for a rebuild (`create(defer_indexes=True)`) gets a row in `days_deferred`;
while it is there, `Rollup.add`'s statement writes no day (its day half is filtered by the
row's existence, a one-time check; anything else that writes days meanwhile, a change of
zone or a merge, is cut again anyway). `create_deferred_indexes` cuts the days and deletes
the row in one transaction, before any later batch: a rebuild that dies before then goes
on deferring when it is resumed, and a schema never made for a rebuild never defers.
Nothing is remembered in a process, so a schema dropped and made again under its name
starts as it is made.
"""

from __future__ import annotations

from collections.abc import Callable

from psycopg import AsyncConnection

from projections.shared.days import DEFERRAL, Rollup
from projections.shared.tables import Table


def deferral_table(schema: str) -> Table:
    return Table(schema, DEFERRAL, "deferred boolean NOT NULL", key="deferred")


class DefersDays:
    """A read model (mixed in before its base class) whose `rollups` defer their days in a
    rebuild; its schema gets the deferral table whether made for a rebuild or not."""

    rollups: tuple[Rollup, ...] = ()

    def ddl(self, defer_indexes: bool = False) -> list[str]:
        deferral = deferral_table(self.schema)  # type: ignore[attr-defined]
        statements = super().ddl(defer_indexes)  # type: ignore[misc]
        statements.append(deferral.create(self.schema))  # type: ignore[attr-defined]
        if defer_indexes:
            at = deferral.at(self.schema)  # type: ignore[attr-defined]
            statements.append(f"INSERT INTO {at} VALUES (true) ON CONFLICT DO NOTHING")
        return statements

    async def create_deferred_indexes(
        self, conn: AsyncConnection, building: Callable[[str], None] | None = None
    ) -> None:
        await super().create_deferred_indexes(conn, building)  # type: ignore[misc]
        await cut_deferred_days(conn, self.schema, self.rollups)  # type: ignore[attr-defined]


async def cut_deferred_days(conn: AsyncConnection, schema: str, rollups: tuple) -> None:
    """If `schema`'s days are deferred: every day cut from the buckets, and the deferral
    ended, in one transaction (nothing deferred: nothing done)."""
    async with conn.transaction():
        cur = await conn.execute(f"DELETE FROM {deferral_table(schema).at(schema)} RETURNING 1")
        if await cur.fetchall():
            for rollup in rollups:
                await rollup.cut_all(conn.cursor(), schema)
