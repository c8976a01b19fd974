"""The activity grid (seed 002): every activity of a workspace with the grid's columns.

Rows come from logged activities (incl. tickets and widget chats), and from closed
interactions (source `interaction`, with the conversation's first message). Names are
kept current from contact events, so the contact filter finds a renamed contact.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import AsyncCursor

from domain.conversation.ownership import owner_after
from projections.activity_grid.lookup import GridLookup
from projections.activity_grid.pending import PendingRows
from projections.engine.base import Projection, Recorded

CHANNEL_TYPES = {"email": "email", "sms": "sms", "whatsapp": "whatsapp", "phone": "call"}


class ActivityGrid(Projection):
    name = "activity_grid"
    version = 2  # 2: a chatbot handover moves the conversation (domain ownership rule)
    families = ("contact", "conversation", "activity")
    # the renames' UPDATE finds a contact's rows by activities_contact_id: not deferred
    deferred_indexes = tuple(
        f"activities_{c}"
        for c in (
            "changes",
            "all",
            "type",
            "agent_id",
            "source",
            "direction",
            "lead_id",
            "account_id",
        )
    )

    def tables(self) -> list[str]:
        s = self.schema
        order = "created_at DESC, position DESC"
        return [
            f"""CREATE TABLE IF NOT EXISTS {s}.activities (
                workspace_id text NOT NULL, activity_id text NOT NULL, position bigint NOT NULL,
                type text NOT NULL, contact_id text, contact_name text, lead_id text,
                lead_name text, account_id text, account_name text, summary text,
                direction text, agent_id text, agent_name text, source text NOT NULL,
                first_message text, created_at timestamptz NOT NULL, team_id text,
                deleted boolean NOT NULL DEFAULT false,
                PRIMARY KEY (workspace_id, activity_id))""",
            # The position of the last event that changed a row after it was added (a
            # rename, a deletion): live subscribers are sent the row again from there.
            f"ALTER TABLE {s}.activities ADD COLUMN IF NOT EXISTS changed_position bigint",
            f"CREATE INDEX IF NOT EXISTS activities_changes ON {s}.activities "
            "(workspace_id, (coalesce(changed_position, position)))",
            *(
                f"CREATE INDEX IF NOT EXISTS activities_{column or 'all'} ON {s}.activities "
                f"(workspace_id, {column + ', ' if column else ''}{order}) WHERE NOT deleted"
                for column in (
                    "",
                    "type",
                    "agent_id",
                    "source",
                    "direction",
                    "contact_id",
                    "lead_id",
                    "account_id",
                )
            ),
            f"""CREATE TABLE IF NOT EXISTS {s}.contacts (
                workspace_id text NOT NULL, contact_id text NOT NULL, name text,
                PRIMARY KEY (workspace_id, contact_id))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.conversations (
                workspace_id text NOT NULL, conversation_id text NOT NULL, contact_id text,
                agent_id text, team_id text, PRIMARY KEY (workspace_id, conversation_id))""",
        ]

    async def create(self, conn, attempts: int = 10, defer_indexes: bool = False) -> None:
        await super().create(conn, attempts, defer_indexes)
        if not defer_indexes:
            await self._trigram_indexes(conn)

    async def create_deferred_indexes(self, conn) -> None:
        await super().create_deferred_indexes(conn)
        await self._trigram_indexes(conn)

    async def _trigram_indexes(self, conn) -> None:
        """Substring filters use trigram indexes where pg_trgm exists (standard PostgreSQL
        packages have it; the pgserver wheel does not); the queries are the same either way."""
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except psycopg.Error:  # not installed, or not ours to install
            return
        for column in ("contact_name", "lead_name", "account_name", "summary"):
            await conn.execute(
                f"CREATE INDEX IF NOT EXISTS activities_{column}_trgm ON {self.schema}.activities "
                f"USING gin (lower({column}) gin_trgm_ops)"
            )

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        lookup, pending = GridLookup(self.schema), PendingRows(self.schema)
        await lookup.load(cur, events)
        for r in events:  # in log order; the statements are few per event
            await self._apply(cur, r, lookup, pending)
        await pending.flush(cur)

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        from projections.activity_grid.erasure import erase

        await erase(cur, self.schema, erasure)

    async def _apply(
        self, cur: AsyncCursor, r: Recorded, lookup: GridLookup, pending: PendingRows
    ) -> None:
        s, ws, e = self.schema, r.meta.workspace_id, r.event
        if r.type in ("contact.added", "contact.updated"):
            if r.type == "contact.added" or e.field == "name":
                name = e.name if r.type == "contact.added" else e.new
                lookup.renamed((ws, e.contact_id), name)
                pending.rename((ws, e.contact_id), name, r.position)
                await cur.execute(
                    # NOT deleted: the rows the grid shows, found by activities_contact_id
                    # (a partial index) instead of a scan of the workspace's activities
                    f"UPDATE {s}.activities SET contact_name = %s, changed_position = %s "
                    "WHERE workspace_id = %s AND contact_id = %s AND NOT deleted",
                    (name, r.position, ws, e.contact_id),
                )
        elif r.type == "conversation.opened":
            lookup.opened((ws, e.conversation_id), e.contact_id, r.meta.team_id)
            await cur.execute(
                f"INSERT INTO {s}.conversations VALUES (%s, %s, %s, NULL, %s) "
                "ON CONFLICT DO NOTHING",
                (ws, e.conversation_id, e.contact_id, r.meta.team_id),
            )
        elif r.type in ("conversation.reassigned", "conversation.chatbot_handed_over"):
            owner = await lookup.owner(cur, (ws, e.conversation_id))
            if owner is not None:  # UPDATE: only an existing row
                owner = owner_after(e, owner)
                lookup.reassigned((ws, e.conversation_id), owner.agent_id, owner.team_id)
                await cur.execute(
                    f"UPDATE {s}.conversations SET agent_id = %s, team_id = %s "
                    "WHERE workspace_id = %s AND conversation_id = %s",
                    (owner.agent_id, owner.team_id, ws, e.conversation_id),
                )
        elif r.type == "conversation.interaction_closed":
            pending.insert(await self._interaction(cur, r, lookup))
        elif r.type == "activity.deleted":
            pending.delete((ws, e.activity_id), r.position)
            await cur.execute(
                f"UPDATE {s}.activities SET deleted = true, changed_position = %s "
                "WHERE workspace_id = %s AND activity_id = %s",
                (r.position, ws, e.activity_id),
            )
        elif r.type.startswith("activity."):
            pending.insert(await self._activity(cur, r, lookup))

    async def _activity(self, cur: AsyncCursor, r: Recorded, lookup: GridLookup) -> tuple:
        d, ws = r.event.details, r.meta.workspace_id
        contact_name = d.contact.name if d.contact else None
        if d.contact and contact_name is None:
            contact_name = await lookup.contact_name(cur, (ws, d.contact.id))
        return (
            ws,
            r.event.activity_id,
            r.position,
            d.type,
            _id(d.contact),
            contact_name,
            _id(d.lead),
            _name(d.lead),
            _id(d.account),
            _name(d.account),
            d.summary,
            d.direction,
            _id(d.agent),
            _name(d.agent),
            d.source,
            d.first_message,
            r.meta.occurred_at,
            r.meta.team_id,
        )

    async def _interaction(self, cur: AsyncCursor, r: Recorded, lookup: GridLookup) -> tuple:
        e, ws = r.event, r.meta.workspace_id
        found = await lookup.conversation(cur, (ws, e.conversation_id))
        contact_id, contact_name, agent_id, team_id = found
        summary = (
            f"Interaction on {e.channel} in {e.queue}" if e.queue else f"Interaction on {e.channel}"
        ) + f", {e.message_count} messages"
        return (
            ws,
            f"interaction-{e.conversation_id}-{r.position}",
            r.position,
            CHANNEL_TYPES.get(e.channel, "chat"),
            contact_id,
            contact_name,
            None,
            None,
            None,
            None,
            summary,
            "inbound",
            agent_id,
            None,
            "interaction",
            e.first_message,
            r.meta.occurred_at,
            team_id,
        )


def _id(ref) -> str | None:
    return ref.id if ref else None


def _name(ref) -> str | None:
    return ref.name if ref else None
