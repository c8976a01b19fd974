"""What every projection is, and the transaction that applies a batch to it.

A projection owns one PostgreSQL schema: its tables plus a `tracking` row holding the
position (notification id) of the last event applied. Rows and position change in one
transaction, so a redelivered event changes nothing, and a rebuilt copy of the schema
carries its own position with it.

Partitioned (docs/scaling.md), the tracking row names the number of partitions, and a
`partitions` table holds each partition's watermark: every event of that partition up to
it is applied, none after it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection, AsyncCursor, errors

from adapters.retry import Backoff, retry

ERASURES = ("contact.erased",)


def erases(wire_name: str) -> bool:
    """Is an event of this wire name an erasure (`contact.erased.v1`)?"""
    return wire_name.rsplit(".", 1)[0] in ERASURES


_INDEX = re.compile(r"CREATE INDEX IF NOT EXISTS (\w+)")


def reader(cur: AsyncCursor) -> AsyncCursor:
    """A cursor of its own, on `cur`'s connection (same transaction), for a statement whose
    rows are read back. In pipeline mode psycopg hands each result to the cursor that sent
    the statement as it arrives, replacing the cursor's current one, and a fetch waits only
    while the cursor has none: a late result of an earlier statement on the same cursor
    would be read instead of the query's own."""
    return cur.connection.cursor()


def _index_name(statement: str) -> str | None:
    match = _INDEX.match(statement.strip())
    return match.group(1) if match else None


class _cached:
    """functools.cached_property without its lock (Python 3.11 takes one on every first
    read: ~3 us, twice per event, in every projector)."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self.compute, self.name = compute, compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Recorded:
    """A stored event with its place in the log."""

    position: int
    aggregate_id: UUID
    version: int
    wire_name: str
    event: Any

    # Cached: projections ask each event's type and meta many times over.
    @_cached
    def type(self) -> str:
        """The wire name without its version: `conversation.reassigned`."""
        return self.wire_name.rsplit(".", 1)[0]

    @_cached
    def meta(self) -> Any:
        return self.event.meta


class VersionMismatch(Exception):
    """The schema was built by another version of the projection's code than this one."""

    def __init__(self, schema: str, found: int, code: int) -> None:
        super().__init__(
            f"{schema} holds version {found} of the projection, this code writes version "
            f"{code}: run the code of version {found}, or roll version {code} out with "
            "`chronicle rebuild`"
        )
        self.schema, self.found, self.code = schema, found, code


class Projection(ABC):
    """A read model. Subclasses give their schema's DDL and how a batch changes rows.

    `version` names the shape of the tables and what `apply` writes into them: bump it
    with any such change. The tracking row keeps the version that built the schema and
    a runner refuses to write a schema of another version, so a changed projection goes
    live only through a rebuild (services/operate/rebuild.py), never by old and new code
    writing into the same tables."""

    name: str
    version: int = 1
    # The event families (`contact`, `conversation`, ...) whose events `apply` reads; None:
    # all. Other events only move the position, and are never decoded for this projection
    # (tests/integration/test_projection_interest.py proves nothing is lost by it).
    families: tuple[str, ...] | None = None
    # Indexes only readers use (never `apply`'s own statements): a rebuild into an empty
    # schema creates them once its rows are in (services/operate/rebuild.py), which costs far less
    # than keeping them current row by row.
    deferred_indexes: tuple[str, ...] = ()
    # What building it costs, relative to the others (CPU per event in a rebuild, as
    # profiled in docs/performance.md): how `rebuild --all` shares them among its passes.
    cost: float = 1.0

    def __init__(self, schema: str | None = None) -> None:
        self.schema = schema or f"rm_{self.name}"

    def wants(self, wire_name: str) -> bool:
        """Does `apply` (or `erase`) need the events of this wire name?"""
        if self.families is None:
            return True
        family = wire_name.split(".", 1)[0]
        return family in self.families or erases(wire_name)

    def ddl(self, defer_indexes: bool = False) -> list[str]:
        tables = self.tables()
        if defer_indexes:
            tables = [t for t in tables if _index_name(t) not in self.deferred_indexes]
        return [
            f"CREATE SCHEMA IF NOT EXISTS {self.schema}",
            f"CREATE TABLE IF NOT EXISTS {self.schema}.tracking "
            "(projection text PRIMARY KEY, position bigint NOT NULL)",
            f"ALTER TABLE {self.schema}.tracking ADD COLUMN IF NOT EXISTS "
            "updated_at timestamptz NOT NULL DEFAULT now()",
            # Schemas made before versions existed were made by version 1.
            f"ALTER TABLE {self.schema}.tracking ADD COLUMN IF NOT EXISTS "
            "version int NOT NULL DEFAULT 1",
            f"ALTER TABLE {self.schema}.tracking ADD COLUMN IF NOT EXISTS "
            "partitions int NOT NULL DEFAULT 1",
            f"INSERT INTO {self.schema}.tracking (projection, position, version) "
            f"VALUES ('{self.name}', 0, {int(self.version)}) ON CONFLICT DO NOTHING",
            f"CREATE TABLE IF NOT EXISTS {self.schema}.partitions (partition int PRIMARY KEY, "
            "partitions int NOT NULL, position bigint NOT NULL, "
            "updated_at timestamptz NOT NULL DEFAULT now())",
            *tables,
        ]

    @abstractmethod
    def tables(self) -> list[str]:
        """CREATE TABLE / INDEX statements, idempotent, using `self.schema`."""

    def table_names(self) -> list[str]:
        """The tables this projection owns (its tracking row aside)."""
        pattern = re.compile(rf"CREATE TABLE IF NOT EXISTS {re.escape(self.schema)}\.(\w+)")
        return [m.group(1) for ddl in self.tables() if (m := pattern.search(ddl))]

    @abstractmethod
    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        """Write the rows for `events` (all newer than the tracked position, in order)."""

    @abstractmethod
    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Rewrite the rows of the events `erasure` (`contact.erased`) names, which now read
        as erased (projections/erasure.py), so the rows equal what a rebuild from the log
        writes. Called right after `erasure` is applied, before any later event. Every
        projection decides: one without personal data says so and does nothing."""

    async def apply_all(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        """`apply` in runs, each erasure followed by its rewrite before the next event."""
        start = 0
        for i, r in enumerate(events):
            if r.type in ERASURES:
                await self.apply(cur, events[start : i + 1])
                await self.erase(cur, r)
                start = i + 1
        if start < len(events):
            await self.apply(cur, events[start:])

    async def create(
        self, conn: AsyncConnection, attempts: int = 10, defer_indexes: bool = False
    ) -> None:
        """Create the schema, idempotently (`defer_indexes`: without the deferred indexes).
        Workers starting together (one per partition) can collide in PostgreSQL's
        catalogue even with IF NOT EXISTS: retried."""

        async def once() -> None:
            async with conn.transaction():
                # The host's connection commits without waiting for the disk (its rows
                # come again from the store); a schema does not, so it must be durable.
                await conn.execute("SET LOCAL synchronous_commit = on")
                for statement in self.ddl(defer_indexes):
                    await conn.execute(statement)

        await retry(
            once,
            on=(
                errors.UniqueViolation,
                errors.DuplicateObject,
                errors.DuplicateSchema,
                errors.DuplicateTable,
            ),
            what="projection.create_collided",
            backoff=Backoff(first=0.05, most=0.5),
            attempts=attempts,
            projection=self.name,
        )

    async def create_deferred_indexes(
        self, conn: AsyncConnection, building: Callable[[str], None] | None = None
    ) -> None:
        """The indexes a schema made with `defer_indexes` lacks (none missing: no-op);
        `building(name)` is told before each (a progress bar's phase)."""
        for statement in self.tables():
            name = _index_name(statement)
            if name in self.deferred_indexes:
                if building:
                    building(name)
                await conn.execute(statement)

    def progress_sql(self) -> str:
        """(position, updated_at): every event up to `position` is applied; partitioned,
        the slowest partition's watermark and when it last moved. Takes the name."""
        s = self.schema
        slowest = f"(SELECT {{}} FROM {s}.partitions ORDER BY position, updated_at LIMIT 1)"
        return (
            f"SELECT CASE WHEN t.partitions = 1 THEN t.position "
            f"ELSE coalesce({slowest.format('position')}, 0) END, "
            f"CASE WHEN t.partitions = 1 THEN t.updated_at ELSE {slowest.format('updated_at')} "
            f"END FROM {s}.tracking t WHERE t.projection = %s"
        )

    async def position(self, conn: AsyncConnection) -> int:
        row = await (await conn.execute(self.progress_sql(), (self.name,))).fetchone()
        return row[0] if row else 0

    async def watermarks(self, conn: AsyncConnection) -> dict[int | None, int]:
        """Each partition's watermark ({None: position} when not partitioned)."""
        cur = await conn.execute(
            f"SELECT partitions, position FROM {self.schema}.tracking WHERE projection = %s",
            (self.name,),
        )
        partitions, position = await cur.fetchone()
        if partitions == 1:
            return {None: position}
        cur = await conn.execute(
            f"SELECT partition, position FROM {self.schema}.partitions ORDER BY partition"
        )
        return dict(await cur.fetchall())
