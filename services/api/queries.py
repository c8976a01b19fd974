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


def _plain(row: dict) -> dict:
    keys = ("position", "occurred_at", "recorded_at", "type", "summary", "team_id", "details")
    return {k: row[k] for k in keys}


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
        self,
        subject_id: str,
        limit: int,
        cursor: str | None,
        types: list[str],
        subject_type: str = "contact",
    ) -> TimelinePage | None:
        subjects = (
            await self._merged_into(subject_id) if subject_type == "contact" else [subject_id]
        )
        where = ["workspace_id = %s", "subject_type = %s", "subject_id = ANY(%s)", "NOT deleted"]
        params: list = [self.workspace_id, subject_type, subjects]
        if types:
            where.append("type = ANY(%s)")
            params.append(types)
        if cursor:
            occurred_at, position = cursors.decode(cursor, (datetime, int))
            where.append("(occurred_at, position) < (%s, %s)")
            params += [occurred_at, position]
        rows = await self._rows(
            f"SELECT position, source_type, source_id, link_type, link_id, {_COMMON} "
            f"FROM rm_timeline.entries WHERE {' AND '.join(where)} "
            "ORDER BY occurred_at DESC, position DESC LIMIT %s",
            (*params, limit + 1),
        )
        if not rows and not cursor and not await self._subject_exists(subject_type, subjects):
            return None
        page, more = rows[:limit], len(rows) > limit
        entries = [
            TimelineEntry(
                **_plain(r),
                actor=_actor(r),
                source=SourceOut(
                    type=r["link_type"] or r["source_type"], id=r["link_id"] or r["source_id"]
                ),
            )
            for r in page
        ]
        last = page[-1] if page else None
        next_cursor = cursors.encode(last["occurred_at"], last["position"]) if more else None
        return TimelinePage(contact_id=subject_id, entries=entries, next_cursor=next_cursor)

    async def _merged_into(self, contact_id: str) -> list[str]:
        """The contact and every contact merged into it, however indirectly."""
        rows = await self._rows(
            "WITH RECURSIVE ids(id) AS (SELECT %s::text UNION "
            "SELECT m.merged_contact_id FROM rm_timeline.contact_merges m JOIN ids "
            "ON m.primary_contact_id = ids.id AND m.workspace_id = %s) SELECT id FROM ids",
            (contact_id, self.workspace_id),
        )
        return [r["id"] for r in rows]

    async def _subject_exists(self, subject_type: str, ids: list[str]) -> bool:
        rows = await self._rows(
            "SELECT 1 FROM rm_timeline.entries WHERE workspace_id = %s AND subject_type = %s "
            "AND subject_id = ANY(%s) LIMIT 1",
            (self.workspace_id, subject_type, ids),
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
