"""The conversations read model after an erasure.

A conversation's rows (its row, its messages, its views) are a function of its own
events and, through merges, of the rows of the conversations merged into it. Every
conversation with an erased event, and every conversation holding copies of their
messages, is deleted and its events up to the erasure applied again, as they read now:
merged-away conversations first (in the order they were merged), so a target copies
rows that are already rewritten, as a rebuild would find them.
"""

from __future__ import annotations

from psycopg import AsyncCursor

from domain.conversation import Conversation
from projections.conversations.tables import MESSAGES, TABLES
from projections.engine.base import Recorded, reader
from projections.shared.erasure import affected, history


async def erase(conversations, cur: AsyncCursor, erasure: Recorded) -> None:
    s, ws = conversations.schema, erasure.meta.workspace_id
    erased = {r.event.conversation_id for r in await affected(cur, erasure, Conversation.Event)}
    if not erased:
        return
    cur = reader(cur)
    await cur.execute(
        f"SELECT DISTINCT conversation_id FROM {MESSAGES.at(s)} WHERE workspace_id = %s "
        "AND origin_conversation_id = ANY(%s)",
        (ws, sorted(erased)),
    )
    targets = erased | {c for (c,) in await cur.fetchall()}
    events = await history(cur, [Conversation.id_for(ws, c) for c in targets], erasure.position)
    merged_at = {
        r.event.conversation_id: r.position
        for r in events
        if type(r.event) is Conversation.MergedInto
    }
    order = sorted(targets, key=lambda c: (merged_at.get(c, erasure.position), c))
    for conversation_id in order:
        for table in TABLES:
            await cur.execute(
                f"DELETE FROM {table.at(s)} WHERE workspace_id = %s AND conversation_id = %s",
                (ws, conversation_id),
            )
        await conversations.apply(
            cur, [r for r in events if r.event.conversation_id == conversation_id]
        )
