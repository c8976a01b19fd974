"""Auditor queries: an aggregate's stored events, straight from the event store."""

from __future__ import annotations

from typing import Any

import msgspec
from psycopg import AsyncConnection

from adapters.eventstore import EVENTS_TABLE
from adapters.mapper import MsgspecMapper
from projections.engine.source import keys_for
from services.export import record
from services.time_travel import KINDS

_mapper = MsgspecMapper()


async def aggregate_events(
    conn: AsyncConnection, kind: str, workspace_id: str, external_id: str, after: int, limit: int
) -> list[dict[str, Any]]:
    """Events after version `after`, oldest first, as export records (with their chain
    links and stored bytes). The aggregate's id is of the workspace, so another
    workspace's record has no events here."""
    aggregate_id = KINDS[kind].id_for(workspace_id, external_id)
    cur = await conn.execute(
        f"SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state, "
        f"c.workspace_id, c.prev_hash, c.hash FROM {EVENTS_TABLE} e LEFT JOIN event_chain c "
        "USING (notification_id) WHERE e.originator_id = %s AND e.originator_version > %s "
        "ORDER BY e.originator_version LIMIT %s",
        (aggregate_id, after, limit),
    )
    rows = await cur.fetchall()
    keys = await keys_for(conn, (row[4] for row in rows))
    found = [record(_mapper, row, keys)[0] for row in rows]
    return [{**r, "actor": msgspec.to_builtins(r["actor"])} for r in found]
