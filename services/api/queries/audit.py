"""Auditor queries: stored events, straight from the event store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
from psycopg import AsyncConnection, IsolationLevel

from adapters.eventstore import history, reads
from adapters.mapper import MsgspecMapper
from projections.engine.source import keys_for
from services.audit.export import line_bytes, record
from services.audit.time_travel import KINDS

_mapper = MsgspecMapper()
EXPORT_BATCH = 2000


async def aggregate_events(
    conn: AsyncConnection, kind: str, workspace_id: str, external_id: str, after: int, limit: int
) -> list[dict[str, Any]]:
    """Events after version `after`, oldest first, as export records (with their chain
    links and stored bytes). The aggregate's id is of the workspace, so another
    workspace's record has no events here."""
    aggregate_id = KINDS[kind].id_for(workspace_id, external_id)
    rows = await reads.chained_of(conn, aggregate_id, after, limit)
    keys = await keys_for(conn, (row[4] for row in rows))
    found = [record(_mapper, row, keys)[0] for row in rows]
    return [{**r, "actor": msgspec.to_builtins(r["actor"])} for r in found]


async def stored_events(conn: AsyncConnection, positions: list[int]) -> list[dict[str, Any]]:
    """The events at these positions, in this order, as export records."""
    rows = {row[0]: row for row in await reads.chained_at(conn, positions)}
    keys = await keys_for(conn, (row[4] for row in rows.values()))
    found = [record(_mapper, rows[p], keys)[0] for p in positions if p in rows]
    return [{**r, "actor": msgspec.to_builtins(r["actor"])} for r in found]


async def export_lines(conn: AsyncConnection, workspace_id: str) -> AsyncIterator[bytes]:
    """The workspace's log as `chronicle export --workspace` writes it, in chunks of lines,
    read with a server-side cursor in one snapshot (REPEATABLE READ): what a long export
    shows is the log at one moment, its chain whole."""
    sql, params = history.select(workspace_id, None, None)
    await conn.set_autocommit(False)
    await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
    try:
        async with conn.transaction(), conn.cursor(name="audit_export") as cur:
            await cur.execute(sql, params)
            while rows := await cur.fetchmany(EXPORT_BATCH):
                keys = await keys_for(conn, (row[4] for row in rows))
                yield b"".join(line_bytes(record(_mapper, row, keys)[0]) for row in rows)
    finally:
        await conn.set_isolation_level(None)
        await conn.set_autocommit(True)
