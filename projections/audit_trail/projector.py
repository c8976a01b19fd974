"""Conversation audit trail: every event of a conversation, with actor and time."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from domain.conversation import Conversation
from projections.engine.base import Projection, Recorded
from projections.engine.bulk import insert_many
from projections.shared.describe import (
    COMMON_COLUMNS,
    COMMON_DDL,
    COMMON_PLACEHOLDERS,
    common_columns,
)
from projections.shared.erasure import affected, rewrite_common


class AuditTrail(Projection):
    name = "audit_trail"
    families = ("conversation",)

    def tables(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {self.schema}.entries (
                workspace_id text NOT NULL,
                conversation_id text NOT NULL,
                position bigint NOT NULL,
                version bigint NOT NULL,
                {COMMON_DDL},
                PRIMARY KEY (workspace_id, conversation_id, position))""",
            # what a transaction wrote, for live subscribers (services/api/live)
            f"CREATE INDEX IF NOT EXISTS entries_position ON {self.schema}.entries (position)",
        ]

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        events = await affected(cur, erasure, Conversation.Event)
        await rewrite_common(cur, f"{self.schema}.entries", events)

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        rows = [
            (
                r.meta.workspace_id,
                r.event.conversation_id,
                r.position,
                r.version,
                *common_columns(r),
            )
            for r in events
            if r.type.startswith("conversation.")
        ]
        if rows:
            await insert_many(
                cur,
                f"INSERT INTO {self.schema}.entries "
                f"(workspace_id, conversation_id, position, version, {COMMON_COLUMNS}) "
                f"VALUES (%s, %s, %s, %s, {COMMON_PLACEHOLDERS}) ON CONFLICT DO NOTHING",
                rows,
            )
