"""Conversation audit trail, message viewer and viewed indicators."""

from __future__ import annotations

import re

from psycopg import AsyncConnection

from projections.shared import cursor as cursors
from services.api.models import ActorOut, AuditEntry, AuditTrailPage
from services.api.queries import rows
from services.api.scope import Scope

AUDIT = (
    "position, version, occurred_at, recorded_at, type, summary, actor_type, actor_id, "
    "actor_name, team_id, details"
)


def audit_entry(r: dict) -> AuditEntry:
    return AuditEntry(
        position=r["position"],
        version=r["version"],
        occurred_at=r["occurred_at"],
        recorded_at=r["recorded_at"],
        type=r["type"],
        summary=r["summary"],
        team_id=r["team_id"],
        details=r["details"],
        actor=ActorOut(type=r["actor_type"], id=r["actor_id"], name=r["actor_name"]),
    )


class ConversationQueries:
    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    def visible_where(self) -> tuple[str, list]:
        """Conversations the caller may see: its current team decides."""
        return self.scope.where()

    async def summary(self, conversation_id: str) -> dict | None:
        """The conversation, if the caller may see it (its current team decides)."""
        where, params = self.visible_where()
        found = await rows(
            self.conn,
            f"SELECT conversation_id, contact_id, channel, queue, subject, status, team_id, "
            f"message_count, first_message, merged_into, opened_at FROM "
            f"rm_conversations.conversations WHERE {where} AND conversation_id = %s",
            (*params, conversation_id),
        )
        return found[0] if found else None

    async def audit_trail(
        self, conversation_id: str, limit: int, cursor: str | None
    ) -> AuditTrailPage:
        after = cursors.decode(cursor, (int,))[0] if cursor else 0
        found = await self.audit_entries(conversation_id, after, limit + 1)
        page, more = found[:limit], len(found) > limit
        return AuditTrailPage(
            conversation_id=conversation_id,
            entries=page,
            next_cursor=cursors.encode(page[-1].position) if more else None,
        )

    async def audit_entries(self, conversation_id: str, after: int, limit: int) -> list:
        """Up to `limit` entries after position `after`, oldest first (a page; a live
        stream). Visibility is the conversation's, see `summary`."""
        where, params = self.scope.where(team_column=None)
        found = await rows(
            self.conn,
            f"SELECT {AUDIT} FROM rm_audit_trail.entries WHERE {where} AND "
            "conversation_id = %s AND position > %s ORDER BY position LIMIT %s",
            (*params, conversation_id, after, limit),
        )
        return [audit_entry(r) for r in found]

    async def views(self, conversation_id: str) -> list[dict]:
        where, params = self.scope.where(team_column=None)
        return await rows(
            self.conn,
            f"SELECT message_id, viewer_type, viewer_id, viewer_name, viewed_at FROM "
            f"rm_conversations.views WHERE {where} AND conversation_id = %s "
            "ORDER BY viewed_at, message_id",
            (*params, conversation_id),
        )

    async def messages(self, conversation_id: str, limit: int, cursor: str | None) -> tuple:
        after = cursors.decode(cursor, (int,))[0] if cursor else 0
        where, params = self.scope.where(team_column=None)
        found = await rows(
            self.conn,
            f"SELECT message_id, position, direction, channel, body, attachments, sender_type, "
            f"sender_id, sender_name, occurred_at, status, origin_conversation_id FROM "
            f"rm_conversations.messages WHERE {where} AND conversation_id = %s AND "
            "position > %s ORDER BY position, message_id LIMIT %s",
            (*params, conversation_id, after, limit + 1),
        )
        page, more = found[:limit], len(found) > limit
        return page, (cursors.encode(page[-1]["position"]) if more else None)

    async def search(self, conversation_id: str, text: str) -> list[dict]:
        """Every match of `text` (case-insensitive) in the conversation's messages, in
        message order, with character offsets: what next/previous highlighting walks."""
        where, params = self.scope.where(team_column=None)
        found = await rows(
            self.conn,
            f"SELECT message_id, body FROM rm_conversations.messages WHERE {where} AND "
            "conversation_id = %s AND strpos(lower(body), lower(%s)) > 0 "
            "ORDER BY position, message_id",
            (*params, conversation_id, text),
        )
        pattern = re.compile(re.escape(text), re.IGNORECASE)
        return [
            {"message_id": r["message_id"], "start": m.start(), "end": m.end()}
            for r in found
            for m in pattern.finditer(r["body"])
        ]
