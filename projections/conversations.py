"""Conversations as the inbox shows them: a summary, the messages in order (with delivery
status and deleted attachments), and who viewed which message when (viewed indicators).
A merged-in conversation's messages are copied into the target, marked with their origin.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from psycopg import AsyncCursor

from projections.base import Projection, Recorded

_json = msgspec.json.Encoder()
MESSAGE_EVENTS = {
    "conversation.message_received": "inbound",
    "conversation.message_sent": "outbound",
    "conversation.replied_and_archived": "outbound",
    "conversation.replied_and_reopened": "outbound",
}
STATUS = {
    "conversation.resolved": "resolved",
    "conversation.chatbot_resolved": "resolved",
    "conversation.reopened": "open",
    "conversation.replied_and_reopened": "open",
    "conversation.put_on_hold": "on_hold",
}


class Conversations(Projection):
    name = "conversations"
    families = ("conversation",)

    def tables(self) -> list[str]:
        s = self.schema
        return [
            f"""CREATE TABLE IF NOT EXISTS {s}.conversations (
                workspace_id text NOT NULL, conversation_id text NOT NULL,
                contact_id text, channel text NOT NULL, queue text, subject text,
                status text NOT NULL, team_id text, assignee_id text,
                message_count int NOT NULL DEFAULT 0, first_message text,
                merged_into text, opened_at timestamptz NOT NULL,
                PRIMARY KEY (workspace_id, conversation_id))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.messages (
                workspace_id text NOT NULL, conversation_id text NOT NULL,
                message_id text NOT NULL, position bigint NOT NULL,
                direction text NOT NULL, channel text NOT NULL, body text NOT NULL,
                attachments jsonb NOT NULL, sender_type text NOT NULL, sender_id text NOT NULL,
                sender_name text, occurred_at timestamptz NOT NULL,
                status text NOT NULL DEFAULT 'sent', origin_conversation_id text,
                PRIMARY KEY (workspace_id, conversation_id, message_id))""",
            f"CREATE INDEX IF NOT EXISTS messages_order ON {s}.messages "
            "(workspace_id, conversation_id, position)",
            f"""CREATE TABLE IF NOT EXISTS {s}.views (
                workspace_id text NOT NULL, conversation_id text NOT NULL,
                message_id text NOT NULL, viewer_type text NOT NULL, viewer_id text NOT NULL,
                viewer_name text, viewed_at timestamptz NOT NULL,
                PRIMARY KEY (workspace_id, conversation_id, message_id, viewer_type, viewer_id))""",
        ]

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        # Statements in log order: each event's change sees the ones before it.
        for r in events:
            if r.type.startswith("conversation."):
                await self._apply(cur, r, r.meta.workspace_id, r.event.conversation_id)

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        from projections.conversations_erasure import erase

        await erase(self, cur, erasure)

    async def _apply(self, cur: AsyncCursor, r: Recorded, ws: str, cid: str) -> None:
        s, e, key = self.schema, r.event, (ws, cid)
        if r.type == "conversation.opened":
            await cur.execute(
                f"INSERT INTO {s}.conversations (workspace_id, conversation_id, contact_id, "
                "channel, queue, subject, status, team_id, opened_at) VALUES "
                "(%s, %s, %s, %s, %s, %s, 'open', %s, %s) ON CONFLICT DO NOTHING",
                (
                    *key,
                    e.contact_id,
                    e.channel,
                    e.inbox_id,
                    e.subject,
                    r.meta.team_id,
                    r.meta.occurred_at,
                ),
            )
        elif r.type in MESSAGE_EVENTS:
            m, actor = e.message, r.meta.actor
            await cur.execute(
                f"INSERT INTO {s}.messages VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, "
                "%s, %s, %s, 'sent', NULL) ON CONFLICT DO NOTHING",
                (
                    *key,
                    m.message_id,
                    r.position,
                    MESSAGE_EVENTS[r.type],
                    m.channel,
                    m.body,
                    _json.encode(m.attachments).decode(),
                    actor.type,
                    actor.id,
                    actor.name,
                    r.meta.occurred_at,
                ),
            )
            await cur.execute(
                f"UPDATE {s}.conversations SET message_count = message_count + 1, "
                "first_message = coalesce(first_message, %s) WHERE workspace_id = %s AND "
                "conversation_id = %s",
                (m.body, *key),
            )
        await self._follow_up(cur, r, key)

    async def _follow_up(self, cur: AsyncCursor, r: Recorded, key: tuple[str, str]) -> None:
        s, e = self.schema, r.event
        where = "WHERE workspace_id = %s AND conversation_id = %s"
        if r.type in STATUS:
            await cur.execute(
                f"UPDATE {s}.conversations SET status = %s {where}", (STATUS[r.type], *key)
            )
        if r.type == "conversation.reassigned" or (
            r.type == "conversation.chatbot_handed_over" and e.to_team_id
        ):
            await cur.execute(
                f"UPDATE {s}.conversations SET team_id = %s, assignee_id = "
                f"coalesce(%s, assignee_id) {where}",
                (e.to_team_id, e.to_agent_id, *key),
            )
        elif r.type == "conversation.moved":
            await cur.execute(
                f"UPDATE {s}.conversations SET queue = %s {where}", (e.to_inbox_id, *key)
            )
        elif r.type == "conversation.subject_edited":
            await cur.execute(
                f"UPDATE {s}.conversations SET subject = %s {where}", (e.new_subject, *key)
            )
        elif r.type == "conversation.merged_into":
            await cur.execute(
                f"UPDATE {s}.conversations SET merged_into = %s {where}",
                (e.into_conversation_id, *key),
            )
        elif r.type == "conversation.merged_from":
            await self._take_messages(cur, key, e.from_conversation_id)
        elif r.type in ("conversation.delivery_failed", "conversation.bounce_detected"):
            if e.message_id:
                status = "failed" if r.type == "conversation.delivery_failed" else "bounced"
                await cur.execute(
                    f"UPDATE {s}.messages SET status = %s {where} AND message_id = %s",
                    (status, *key, e.message_id),
                )
        elif r.type == "conversation.attachment_deleted":
            await cur.execute(
                f"UPDATE {s}.messages SET attachments = (SELECT coalesce(jsonb_agg(CASE WHEN "
                "a->>'name' = %s THEN a || '{\"deleted\": true}' ELSE a END), '[]') FROM "
                f"jsonb_array_elements(attachments) a) {where} AND message_id = %s",
                (e.attachment_name, *key, e.message_id),
            )
        elif r.type == "conversation.message_viewed":
            v = e.viewer
            await cur.execute(
                f"INSERT INTO {s}.views VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (*key, e.message_id, v.type, v.id, v.name, e.viewed_at),
            )

    async def _take_messages(self, cur: AsyncCursor, key: tuple[str, str], source: str) -> None:
        s = self.schema
        await cur.execute(
            f"INSERT INTO {s}.messages SELECT workspace_id, %s, message_id, position, direction, "
            "channel, body, attachments, sender_type, sender_id, sender_name, occurred_at, "
            "status, coalesce(origin_conversation_id, conversation_id) FROM "
            f"{s}.messages WHERE workspace_id = %s AND conversation_id = %s "
            "ON CONFLICT DO NOTHING",
            (key[1], key[0], source),
        )
        await cur.execute(
            f"UPDATE {s}.conversations SET message_count = (SELECT count(*) FROM {s}.messages "
            "WHERE workspace_id = %s AND conversation_id = %s) WHERE workspace_id = %s AND "
            "conversation_id = %s",
            (*key, *key),
        )
