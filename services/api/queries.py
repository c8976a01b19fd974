"""Every read query, bound to one caller. Scoping lives here, once: no method takes a
workspace argument, each filters by the caller's own."""

from __future__ import annotations

from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from services.api import cursor as cursors
from services.api.models import (
    ActorOut,
    AuditEntry,
    AuditTrailPage,
    SourceOut,
    TimelineEntry,
    TimelinePage,
)
from services.api.tokens import Principal

_COMMON = (
    "occurred_at, recorded_at, type, summary, actor_type, actor_id, actor_name, team_id, details"
)


def _actor(row: dict) -> ActorOut:
    return ActorOut(type=row["actor_type"], id=row["actor_id"], name=row["actor_name"])


class ReadModels:
    def __init__(self, conn: AsyncConnection, principal: Principal) -> None:
        self.conn = conn
        self.principal = principal
        self.workspace_id = principal.workspace_id

    async def _rows(self, sql: str, params: tuple) -> list[dict]:
        async with self.conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql, params)
            return await cur.fetchall()

    async def timeline(
        self, contact_id: str, limit: int, cursor: str | None, types: list[str]
    ) -> TimelinePage | None:
        where = ["workspace_id = %s", "contact_id = %s"]
        params: list = [self.workspace_id, contact_id]
        if types:
            where.append("type = ANY(%s)")
            params.append(types)
        if cursor:
            occurred_at, position = cursors.decode(cursor, (datetime, int))
            where.append("(occurred_at, position) < (%s, %s)")
            params += [occurred_at, position]
        rows = await self._rows(
            f"SELECT position, source_type, source_id, {_COMMON} FROM rm_timeline.entries "
            f"WHERE {' AND '.join(where)} ORDER BY occurred_at DESC, position DESC LIMIT %s",
            (*params, limit + 1),
        )
        if not rows and not cursor and not await self._contact_exists(contact_id):
            return None
        page, more = rows[:limit], len(rows) > limit
        entries = [
            TimelineEntry(
                **_plain(r),
                actor=_actor(r),
                source=SourceOut(type=r["source_type"], id=r["source_id"]),
            )
            for r in page
        ]
        next_cursor = (
            cursors.encode(page[-1]["occurred_at"], page[-1]["position"]) if more else None
        )
        return TimelinePage(contact_id=contact_id, entries=entries, next_cursor=next_cursor)

    async def _contact_exists(self, contact_id: str) -> bool:
        rows = await self._rows(
            "SELECT 1 FROM rm_timeline.entries WHERE workspace_id = %s AND contact_id = %s LIMIT 1",
            (self.workspace_id, contact_id),
        )
        return bool(rows)

    async def audit_trail(
        self, conversation_id: str, limit: int, cursor: str | None
    ) -> AuditTrailPage | None:
        after = cursors.decode(cursor, (int,))[0] if cursor else 0
        rows = await self._rows(
            f"SELECT position, version, {_COMMON} FROM rm_audit_trail.entries "
            "WHERE workspace_id = %s AND conversation_id = %s AND position > %s "
            "ORDER BY position LIMIT %s",
            (self.workspace_id, conversation_id, after, limit + 1),
        )
        if not rows and not cursor:
            return None
        page, more = rows[:limit], len(rows) > limit
        entries = [AuditEntry(**_plain(r), version=r["version"], actor=_actor(r)) for r in page]
        next_cursor = cursors.encode(page[-1]["position"]) if more else None
        return AuditTrailPage(
            conversation_id=conversation_id, entries=entries, next_cursor=next_cursor
        )


def _plain(row: dict) -> dict:
    keys = ("position", "occurred_at", "recorded_at", "type", "summary", "team_id", "details")
    return {k: row[k] for k in keys}
