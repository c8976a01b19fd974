"""Contact timeline: everything that happened with a contact, newest first.

Conversation events reach the timeline of the conversation's contact, which the
projection remembers from `conversation.opened`.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from projections.base import Projection, Recorded
from projections.describe import COMMON_COLUMNS, COMMON_DDL, COMMON_PLACEHOLDERS, common_columns


class Timeline(Projection):
    name = "timeline"

    def tables(self) -> list[str]:
        s = self.schema
        return [
            f"""CREATE TABLE IF NOT EXISTS {s}.entries (
                workspace_id text NOT NULL,
                contact_id text NOT NULL,
                position bigint NOT NULL,
                source_type text NOT NULL,
                source_id text NOT NULL,
                {COMMON_DDL},
                PRIMARY KEY (workspace_id, contact_id, position))""",
            f"CREATE INDEX IF NOT EXISTS entries_newest ON {s}.entries "
            "(workspace_id, contact_id, occurred_at DESC, position DESC)",
            f"""CREATE TABLE IF NOT EXISTS {s}.conversation_contacts (
                workspace_id text NOT NULL,
                conversation_id text NOT NULL,
                contact_id text NOT NULL,
                PRIMARY KEY (workspace_id, conversation_id))""",
        ]

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        contacts = await self._conversation_contacts(cur, events)
        rows, links = [], []
        for r in events:
            ws = r.meta.workspace_id
            if r.type.startswith("contact."):
                rows.append(
                    (
                        ws,
                        r.event.contact_id,
                        r.position,
                        "contact",
                        r.event.contact_id,
                        *common_columns(r),
                    )
                )
                continue
            if not r.type.startswith("conversation."):
                continue
            key = (ws, r.event.conversation_id)
            if r.type == "conversation.opened" and r.event.contact_id:
                contacts[key] = r.event.contact_id
                links.append((*key, r.event.contact_id))
            if key in contacts:
                rows.append(
                    (ws, contacts[key], r.position, "conversation", key[1], *common_columns(r))
                )
        if links:
            await cur.executemany(
                f"INSERT INTO {self.schema}.conversation_contacts VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                links,
            )
        if rows:
            await cur.executemany(
                f"INSERT INTO {self.schema}.entries (workspace_id, contact_id, position, "
                f"source_type, source_id, {COMMON_COLUMNS}) "
                f"VALUES (%s, %s, %s, %s, %s, {COMMON_PLACEHOLDERS}) ON CONFLICT DO NOTHING",
                rows,
            )

    async def _conversation_contacts(
        self, cur: AsyncCursor, events: Sequence[Recorded]
    ) -> dict[tuple[str, str], str]:
        keys = {
            (r.meta.workspace_id, r.event.conversation_id)
            for r in events
            if r.type.startswith("conversation.") and r.type != "conversation.opened"
        }
        if not keys:
            return {}
        workspaces, ids = (list(column) for column in zip(*keys, strict=True))
        await cur.execute(
            f"SELECT workspace_id, conversation_id, contact_id FROM {self.schema}"
            ".conversation_contacts WHERE (workspace_id, conversation_id) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[]))",
            (workspaces, ids),
        )
        return {(w, c): contact for w, c, contact in await cur.fetchall()}
