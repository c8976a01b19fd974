"""A conversation's summary, its messages (the message viewer) and viewed indicators
(the routes: services/api/routes/conversations.py)."""

from __future__ import annotations

import re

from psycopg import AsyncConnection

from projections.conversations.tables import CONVERSATIONS, MESSAGES, VIEWS
from projections.shared import cursor as cursors
from projections.shared.reading import Scope, rows

SUMMARY = CONVERSATIONS.names(
    "conversation_id", "contact_id", "channel", "queue", "subject", "status", "team_id",
    "message_count", "first_message", "merged_into", "opened_at",
)  # fmt: skip
MESSAGE = MESSAGES.names(
    "message_id", "position", "direction", "channel", "body", "attachments", "sender_type",
    "sender_id", "sender_name", "occurred_at", "status", "origin_conversation_id",
)  # fmt: skip
VIEW = VIEWS.names("message_id", "viewer_type", "viewer_id", "viewer_name", "viewed_at")


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
            f"SELECT {SUMMARY} FROM {CONVERSATIONS} WHERE {where} AND conversation_id = %s",
            (*params, conversation_id),
        )
        return found[0] if found else None

    async def views(self, conversation_id: str) -> list[dict]:
        where, params = self.scope.where(team_column=None)
        return await rows(
            self.conn,
            f"SELECT {VIEW} FROM {VIEWS} WHERE {where} AND conversation_id = %s "
            "ORDER BY viewed_at, message_id",
            (*params, conversation_id),
        )

    async def messages(self, conversation_id: str, limit: int, cursor: str | None) -> tuple:
        after = cursors.decode(cursor, (int,))[0] if cursor else 0
        where, params = self.scope.where(team_column=None)
        found = await rows(
            self.conn,
            f"SELECT {MESSAGE} FROM {MESSAGES} WHERE {where} AND conversation_id = %s AND "
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
            f"SELECT message_id, body FROM {MESSAGES} WHERE {where} AND "
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
