"""One batch of the conversations read model, applied in memory and written in bulk.

Applying event by event sent one UPDATE of the conversation's row per message (and per
status change): a busy conversation's row was rewritten hundreds of times a batch. Here
the batch's conversations are read once, changed in memory in log order, and written
once; new messages and views are inserted in bulk. The few events whose statements read
other rows (a merge copies the source's messages; a delivery failure, a bounce or a
deleted attachment changes a stored message) are barriers: what is pending is written
first, the event's own statements run as they always did, and its conversation is read
again. The rows are exactly those the event-by-event statements wrote
(tests/integration/test_projection_interest.py and the live-equals-rebuilt checks).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from psycopg import AsyncCursor

from domain.conversation import Conversation
from projections.conversations.tables import CONVERSATIONS, MESSAGES, VIEWS
from projections.engine.base import Recorded, reader
from projections.engine.bulk import insert_many

_json = msgspec.json.Encoder()
NAMES = CONVERSATIONS.columns
COLUMNS = CONVERSATIONS.names()
DIRECTION = {
    Conversation.MessageReceived: "inbound",
    Conversation.MessageSent: "outbound",
    Conversation.RepliedAndArchived: "outbound",
    Conversation.RepliedAndReopened: "outbound",
}
STATUS = {
    Conversation.Resolved: "resolved",
    Conversation.ChatbotResolved: "resolved",
    Conversation.Reopened: "open",
    Conversation.RepliedAndReopened: "open",
    Conversation.PutOnHold: "on_hold",
}


class Pending:
    """The batch's conversations (as rows by key), and its new messages and views."""

    def __init__(self, cur: AsyncCursor, schema: str) -> None:
        self.cur, self.schema = cur, schema
        self.rows: dict[tuple[str, str], dict] = {}
        self.dirty: set[tuple[str, str]] = set()
        self.messages: dict[tuple, tuple] = {}  # the first insert of a key wins, as ON CONFLICT
        self.views: dict[tuple, tuple] = {}

    async def load(self, keys: Sequence[tuple[str, str]]) -> None:
        if not keys:
            return
        workspaces, conversations = zip(*keys, strict=True)
        cur = reader(self.cur)
        await cur.execute(
            f"SELECT {COLUMNS} FROM {CONVERSATIONS.at(self.schema)} WHERE (workspace_id, "
            "conversation_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
            (list(workspaces), list(conversations)),
        )
        for found in await cur.fetchall():
            self.rows[found[:2]] = dict(zip(NAMES, found, strict=True))

    def change(self, key: tuple[str, str], **values) -> None:
        row = self.rows.get(key)
        if row is not None:  # as an UPDATE: no row, nothing changes
            row.update(values)
            self.dirty.add(key)

    async def flush(self) -> None:
        cur, s = self.cur, self.schema
        if self.dirty:
            await insert_many(
                cur,
                f"INSERT INTO {CONVERSATIONS.at(s)} ({COLUMNS}) VALUES "
                f"({', '.join(['%s'] * len(NAMES))}) ON CONFLICT (workspace_id, "
                "conversation_id) DO UPDATE SET "
                + ", ".join(f"{c} = EXCLUDED.{c}" for c in NAMES[2:]),
                [tuple(self.rows[k].values()) for k in sorted(self.dirty)],
            )
            self.dirty.clear()
        if self.messages:
            await insert_many(
                cur,
                f"INSERT INTO {MESSAGES.at(s)} VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, "
                "%s, %s, %s, 'sent', NULL) ON CONFLICT DO NOTHING",
                list(self.messages.values()),
            )
            self.messages.clear()
        if self.views:
            await insert_many(
                cur,
                f"INSERT INTO {VIEWS.at(s)} VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                list(self.views.values()),
            )
            self.views.clear()

    async def reload(self, key: tuple[str, str]) -> None:
        self.rows.pop(key, None)
        await self.load([key])


def opened(r: Recorded, key: tuple[str, str]) -> dict:
    e = r.event
    return dict(
        zip(
            NAMES,
            (*key, e.contact_id, e.channel, e.inbox_id, e.subject, "open", r.meta.team_id,
             None, 0, None, None, r.meta.occurred_at),
            strict=True,
        )
    )  # fmt: skip


def message_row(r: Recorded, key: tuple[str, str]) -> tuple:
    m, actor = r.event.message, r.meta.actor
    return (
        *key, m.message_id, r.position, DIRECTION[type(r.event)], m.channel, m.body,
        _json.encode(m.attachments).decode(), actor.type, actor.id, actor.name,
        r.meta.occurred_at,
    )  # fmt: skip
