"""Conversations as the inbox shows them: a summary, the messages in order (with delivery
status and deleted attachments), and who viewed which message when (viewed indicators).
A merged-in conversation's messages are copied into the target, marked with their origin.

Handlers change the batch's rows in memory (batch.py); the few that read or change
stored messages are barriers: what is pending is written first, and their conversation
is read again after them.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from domain.conversation import Conversation
from domain.conversation.ownership import Owner, owner_after
from projections.conversations.batch import STATUS, Pending, message_row, opened
from projections.conversations.erasure import erase
from projections.conversations.tables import CONVERSATIONS, MESSAGES, ddl
from projections.engine.base import Recorded
from projections.shared.handlers import Model, handles

C = Conversation


def _key(r: Recorded) -> tuple[str, str]:
    return (r.meta.workspace_id, r.event.conversation_id)


class Conversations(Model):
    name = "conversations"
    cost = 1.7  # CPU seconds per 200k events of a rebuild (relative: engine/together.py)
    version = 2  # 2: the assignee follows the domain's ownership rule
    deferred_indexes = ("messages_order",)  # readers' only

    def tables(self) -> list[str]:
        return ddl(self.schema)

    async def begin(self, cur: AsyncCursor, events: Sequence[Recorded]) -> Pending:
        pending = Pending(cur, self.schema)
        await pending.load(sorted({_key(r) for r in events if isinstance(r.event, C.Event)}))
        return pending

    async def end(self, cur: AsyncCursor, pending: Pending) -> None:
        await pending.flush()

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        await erase(self, cur, erasure)

    @handles(C.Opened)
    def opened(self, p: Pending, r: Recorded) -> None:
        key = _key(r)
        if key not in p.rows:  # INSERT ... ON CONFLICT DO NOTHING
            p.rows[key] = opened(r, key)
            p.dirty.add(key)

    @handles(C.MessageReceived, C.MessageSent, C.RepliedAndArchived, C.RepliedAndReopened)
    def message(self, p: Pending, r: Recorded) -> None:
        key, body = _key(r), r.event.message.body
        p.messages.setdefault((*key, r.event.message.message_id), message_row(r, key))
        if (row := p.rows.get(key)) is not None:
            first = row["first_message"]
            p.change(
                key,
                message_count=row["message_count"] + 1,
                first_message=body if first is None else first,
            )

    @handles(*STATUS)
    def status(self, p: Pending, r: Recorded) -> None:
        p.change(_key(r), status=STATUS[type(r.event)])

    @handles(C.Reassigned, C.ChatbotHandedOver)
    def owner(self, p: Pending, r: Recorded) -> None:
        key = _key(r)
        if (row := p.rows.get(key)) is not None:
            owner = owner_after(r.event, Owner(row["team_id"], row["assignee_id"]))
            p.change(key, team_id=owner.team_id, assignee_id=owner.agent_id)

    @handles(C.Moved)
    def moved(self, p: Pending, r: Recorded) -> None:
        p.change(_key(r), queue=r.event.to_inbox_id)

    @handles(C.SubjectEdited)
    def subject_edited(self, p: Pending, r: Recorded) -> None:
        p.change(_key(r), subject=r.event.new_subject)

    @handles(C.MergedInto)
    def merged_into(self, p: Pending, r: Recorded) -> None:
        p.change(_key(r), merged_into=r.event.into_conversation_id)

    @handles(C.MessageViewed)
    def viewed(self, p: Pending, r: Recorded) -> None:
        e, key = r.event, _key(r)
        v = e.viewer
        p.views.setdefault(
            (*key, e.message_id, v.type, v.id),
            (*key, e.message_id, v.type, v.id, v.name, e.viewed_at),
        )

    @handles(C.MergedFrom)
    async def merged_from(self, p: Pending, r: Recorded) -> None:
        """The source's messages (and their origins) copied in; the count is theirs too."""
        key, s = _key(r), self.schema
        await p.flush()
        await p.cur.execute(
            f"INSERT INTO {MESSAGES.at(s)} SELECT workspace_id, %s, message_id, position, "
            "direction, channel, body, attachments, sender_type, sender_id, sender_name, "
            "occurred_at, status, coalesce(origin_conversation_id, conversation_id) FROM "
            f"{MESSAGES.at(s)} WHERE workspace_id = %s AND conversation_id = %s "
            "ON CONFLICT DO NOTHING",
            (key[1], key[0], r.event.from_conversation_id),
        )
        await p.cur.execute(
            f"UPDATE {CONVERSATIONS.at(s)} SET message_count = (SELECT count(*) FROM "
            f"{MESSAGES.at(s)} WHERE workspace_id = %s AND conversation_id = %s) "
            "WHERE workspace_id = %s AND conversation_id = %s",
            (*key, *key),
        )
        await p.reload(key)

    @handles(C.DeliveryFailed, C.BounceDetected)
    async def undelivered(self, p: Pending, r: Recorded) -> None:
        if r.event.message_id:
            status = "failed" if type(r.event) is C.DeliveryFailed else "bounced"
            await self._change_message(p, r, "status = %s", (status,))

    @handles(C.AttachmentDeleted)
    async def attachment_deleted(self, p: Pending, r: Recorded) -> None:
        await self._change_message(
            p,
            r,
            "attachments = (SELECT coalesce(jsonb_agg(CASE WHEN a->>'name' = %s THEN "
            "a || '{\"deleted\": true}' ELSE a END), '[]') "
            "FROM jsonb_array_elements(attachments) a)",
            (r.event.attachment_name,),
        )

    async def _change_message(self, p: Pending, r: Recorded, change: str, values: tuple) -> None:
        """A statement on a stored message: a barrier (what is pending is written first)."""
        key = _key(r)
        await p.flush()
        await p.cur.execute(
            f"UPDATE {MESSAGES.at(self.schema)} SET {change} WHERE workspace_id = %s "
            "AND conversation_id = %s AND message_id = %s",
            (*values, *key, r.event.message_id),
        )
        await p.reload(key)
