"""A conversation's summary, its messages (the message viewer) and viewed indicators
(the routes: services/api/routes/conversations.py). A conversation on the email channel,
and a message on it, is email content (shared/visibility.py): its subject, first message,
bodies and attachment names are hidden from callers without email permission, and the
search never finds them."""

from __future__ import annotations

import re

from psycopg import AsyncConnection

from projections.conversations.tables import CONVERSATIONS, MESSAGES, VIEWS
from projections.shared import cursor as cursors
from projections.shared.reading import Scope, rows
from projections.shared.visibility import HIDDEN, is_email, is_email_sql

SUMMARY = CONVERSATIONS.names(
    "conversation_id", "contact_id", "channel", "queue", "subject", "status", "team_id",
    "message_count", "first_message", "merged_into", "opened_at",
)  # fmt: skip
MESSAGE = MESSAGES.names(
    "message_id", "position", "direction", "channel", "body", "attachments", "sender_type",
    "sender_id", "sender_name", "occurred_at", "status", "origin_conversation_id", alias="m",
)  # fmt: skip
# A message with its conversation (a missing one counts as on the email channel)
WITH_CONVERSATION = (
    f"{MESSAGES} m LEFT JOIN {CONVERSATIONS} c ON c.workspace_id = m.workspace_id "
    "AND c.conversation_id = m.conversation_id"
)
CONVERSATION_CHANNEL = "coalesce(c.channel, 'email')"
# The email rule over messages: on the email channel, or in a conversation on it
MESSAGE_EMAIL = is_email_sql(None, "m.channel", CONVERSATION_CHANNEL)
KEPT_OF_ATTACHMENTS = ("content_type", "size", "deleted")
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
        if not found:
            return None
        summary = found[0]
        if not self.scope.may_read(is_email(None, summary["channel"])):
            summary["subject"] = HIDDEN if summary["subject"] is not None else None
            summary["first_message"] = None
        return summary

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
        where, params = self.scope.where("m", team_column=None)
        found = await rows(
            self.conn,
            f"SELECT {MESSAGE}, {CONVERSATION_CHANNEL} AS conversation_channel "
            f"FROM {WITH_CONVERSATION} WHERE {where} AND m.conversation_id = %s AND "
            "m.position > %s ORDER BY m.position, m.message_id LIMIT %s",
            (*params, conversation_id, after, limit + 1),
        )
        page, more = [self._readable(m) for m in found[:limit]], len(found) > limit
        return page, (cursors.encode(page[-1]["position"]) if more else None)

    def _readable(self, message: dict) -> dict:
        """The message as the caller may read it: of email content, no body, no
        attachment names (their type, size and deletion stay)."""
        email = is_email(None, message["channel"], message.pop("conversation_channel"))
        if not self.scope.may_read(email):
            message["body"] = HIDDEN
            message["attachments"] = [
                {k: v for k, v in a.items() if k in KEPT_OF_ATTACHMENTS}
                for a in message["attachments"]
            ]
        return message

    async def search(self, conversation_id: str, text: str) -> list[dict]:
        """Every match of `text` (case-insensitive) in the conversation's messages, in
        message order, with character offsets: what next/previous highlighting walks."""
        where, params = self.scope.where("m", team_column=None)
        matches = self.scope.text_filter("strpos(lower(m.body), lower(%s)) > 0", MESSAGE_EMAIL)
        found = await rows(
            self.conn,
            f"SELECT m.message_id, m.body FROM {WITH_CONVERSATION} WHERE {where} AND "
            f"m.conversation_id = %s AND {matches} ORDER BY m.position, m.message_id",
            (*params, conversation_id, text),
        )
        pattern = re.compile(re.escape(text), re.IGNORECASE)
        return [
            {"message_id": r["message_id"], "start": m.start(), "end": m.end()}
            for r in found
            for m in pattern.finditer(r["body"])
        ]
