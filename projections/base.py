"""What every projection is, and the transaction that applies a batch to it.

A projection owns one PostgreSQL schema: its tables plus a `tracking` row holding the
position (notification id) of the last event applied. Rows and position change in one
transaction, so a redelivered event changes nothing, and a rebuilt copy of the schema
carries its own position with it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection, AsyncCursor


@dataclass(frozen=True)
class Recorded:
    """A stored event with its place in the log."""

    position: int
    aggregate_id: UUID
    version: int
    wire_name: str
    event: Any

    @property
    def type(self) -> str:
        """The wire name without its version: `conversation.reassigned`."""
        return self.wire_name.rsplit(".", 1)[0]

    @property
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
    live only through a rebuild (services/rebuild.py), never by old and new code
    writing into the same tables."""

    name: str
    version: int = 1

    def __init__(self, schema: str | None = None) -> None:
        self.schema = schema or f"rm_{self.name}"

    def ddl(self) -> list[str]:
        return [
            f"CREATE SCHEMA IF NOT EXISTS {self.schema}",
            f"CREATE TABLE IF NOT EXISTS {self.schema}.tracking "
            "(projection text PRIMARY KEY, position bigint NOT NULL)",
            f"ALTER TABLE {self.schema}.tracking ADD COLUMN IF NOT EXISTS "
            "updated_at timestamptz NOT NULL DEFAULT now()",
            # Schemas made before versions existed were made by version 1.
            f"ALTER TABLE {self.schema}.tracking ADD COLUMN IF NOT EXISTS "
            "version int NOT NULL DEFAULT 1",
            f"INSERT INTO {self.schema}.tracking (projection, position, version) "
            f"VALUES ('{self.name}', 0, {int(self.version)}) ON CONFLICT DO NOTHING",
            *self.tables(),
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

    async def create(self, conn: AsyncConnection) -> None:
        async with conn.transaction():
            for statement in self.ddl():
                await conn.execute(statement)

    async def position(self, conn: AsyncConnection) -> int:
        cur = await conn.execute(
            f"SELECT position FROM {self.schema}.tracking WHERE projection = %s", (self.name,)
        )
        row = await cur.fetchone()
        return row[0] if row else 0
