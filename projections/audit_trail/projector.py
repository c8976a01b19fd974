"""Conversation audit trail: every event of a conversation, with actor and time."""

from __future__ import annotations

from psycopg import AsyncCursor

from domain.conversation import Conversation
from projections.audit_trail.tables import ENTRIES, ddl
from projections.engine.base import Recorded
from projections.engine.bulk import insert_many
from projections.shared.describe import COMMON_PLACEHOLDERS, common_columns
from projections.shared.erasure import affected, rewrite_common
from projections.shared.handlers import Model, handles


class AuditTrail(Model):
    name = "audit_trail"
    cost = 2.5  # CPU seconds per 200k events of a rebuild (relative: engine/together.py)

    def tables(self) -> list[str]:
        return ddl(self.schema)

    @handles(Conversation.Event)
    def entry(self, batch: list, r: Recorded) -> None:
        e = r.event
        batch.append(
            (r.meta.workspace_id, e.conversation_id, r.position, r.version, *common_columns(r))
        )

    async def end(self, cur: AsyncCursor, batch: list) -> None:
        if batch:
            await insert_many(
                cur,
                f"INSERT INTO {ENTRIES.at(self.schema)} ({ENTRIES.names()}) "
                f"VALUES (%s, %s, %s, %s, {COMMON_PLACEHOLDERS}) ON CONFLICT DO NOTHING",
                batch,
            )

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Each entry is its event's: summary, details and actor again."""
        events = await affected(cur, erasure, Conversation.Event)
        await rewrite_common(cur, ENTRIES.at(self.schema), events)
