"""Conversations as the inbox shows them: a summary, the messages in order (with delivery
status and deleted attachments), and who viewed which message when (viewed indicators).
A merged-in conversation's messages are copied into the target, marked with their origin.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from domain.conversation.ownership import Owner, owner_after
from projections.conversations.batch import (
    BARRIERS,
    MESSAGE_EVENTS,
    STATUS,
    Pending,
    message_row,
    opened,
)
from projections.engine.base import Projection, Recorded


class Conversations(Projection):
    name = "conversations"
    version = 2  # 2: the assignee follows the domain's ownership rule
    families = ("conversation",)
    deferred_indexes = ("messages_order",)  # readers' only

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
        """In log order, in memory (projections/conversations_batch.py)."""
        mine = [r for r in events if r.type.startswith("conversation.")]
        pending = Pending(self.schema)
        await pending.load(cur, sorted({_key(r) for r in mine}))
        for r in mine:
            if r.type in BARRIERS:
                await pending.flush(cur)
                await self._barrier(cur, r, _key(r))
                await pending.reload(cur, _key(r))
            else:
                _change(pending, r, _key(r))
        await pending.flush(cur)

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        from projections.conversations.erasure import erase

        await erase(self, cur, erasure)

    async def _barrier(self, cur: AsyncCursor, r: Recorded, key: tuple[str, str]) -> None:
        """The statements of an event that reads or changes stored messages."""
        s, e = self.schema, r.event
        where = "WHERE workspace_id = %s AND conversation_id = %s"
        if r.type == "conversation.merged_from":
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


def _key(r: Recorded) -> tuple[str, str]:
    return (r.meta.workspace_id, r.event.conversation_id)


def _change(pending: Pending, r: Recorded, key: tuple[str, str]) -> None:
    """What the event's statements did to the conversation's row, messages and views."""
    e, row = r.event, pending.rows.get(key)
    if r.type == "conversation.opened":
        if row is None:  # INSERT ... ON CONFLICT DO NOTHING
            pending.rows[key] = opened(r, key)
            pending.dirty.add(key)
    elif r.type in MESSAGE_EVENTS:
        pending.messages.setdefault((*key, e.message.message_id), message_row(r, key))
        if row is not None:
            first = row["first_message"]
            pending.change(
                key,
                message_count=row["message_count"] + 1,
                first_message=e.message.body if first is None else first,
            )
    if r.type in STATUS:
        pending.change(key, status=STATUS[r.type])
    if r.type in ("conversation.reassigned", "conversation.chatbot_handed_over"):
        if row is not None:
            owner = owner_after(e, Owner(row["team_id"], row["assignee_id"]))
            pending.change(key, team_id=owner.team_id, assignee_id=owner.agent_id)
    elif r.type == "conversation.moved":
        pending.change(key, queue=e.to_inbox_id)
    elif r.type == "conversation.subject_edited":
        pending.change(key, subject=e.new_subject)
    elif r.type == "conversation.merged_into":
        pending.change(key, merged_into=e.into_conversation_id)
    elif r.type == "conversation.message_viewed":
        v = e.viewer
        pending.views.setdefault(
            (*key, e.message_id, v.type, v.id),
            (*key, e.message_id, v.type, v.id, v.name, e.viewed_at),
        )
