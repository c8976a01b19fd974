"""The activity grid (seed 002): every activity of a workspace with the grid's columns.

Rows come from logged activities (incl. tickets and widget chats), and from closed
interactions (source `interaction`, with the conversation's first message, contact,
agent and owning team). Names are kept current from contact events, so the contact
filter finds a renamed contact. New rows wait for the batch's end (pending.py), and so do
the changes to stored rows but deletions (deferred.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import AsyncCursor

from domain.activity import Activity
from domain.contact import Contact
from domain.conversation import Conversation
from domain.conversation.ownership import owner_after
from projections.activity_grid.deferred import DeferredChanges
from projections.activity_grid.erasure import erase
from projections.activity_grid.lookup import GridLookup
from projections.activity_grid.pending import PendingRows
from projections.activity_grid.rows import activity_row, interaction_row
from projections.activity_grid.tables import ACTIVITIES, TRIGRAM, ddl
from projections.engine.base import Recorded
from projections.shared.erasure import name_given, names
from projections.shared.handlers import Model, handles


@dataclass
class Batch:
    cur: AsyncCursor
    lookup: GridLookup
    pending: PendingRows
    deferred: DeferredChanges


class ActivityGrid(Model):
    name = "activity_grid"
    cost = 6.0  # CPU seconds per 200k events of a rebuild (relative: engine/together.py)
    # 2: a chatbot handover moves the conversation (domain ownership rule)
    # 3: an interaction's row names its conversation's channel (the email rule)
    version = 3
    # the renames' UPDATE finds a contact's rows by activities_contact_id: not deferred
    deferred_indexes = (
        "activities_changes",
        *(f"activities_{c}" for c in ("all", "type", "agent_id", "source", "direction")),
        *(f"activities_{c}" for c in ("lead_id", "account_id")),
    )

    def tables(self) -> list[str]:
        return ddl(self.schema)

    async def begin(self, cur: AsyncCursor, events: Sequence[Recorded]) -> Batch:
        deferred = DeferredChanges(self.schema)
        lookup = GridLookup(self.schema, deferred)
        await lookup.load(cur, events)
        return Batch(cur, lookup, PendingRows(self.schema), deferred)

    async def end(self, cur: AsyncCursor, b: Batch) -> None:
        await b.deferred.flush(cur)  # before the new rows: renames change stored rows only
        await b.pending.flush(cur)

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        await erase(cur, self.schema, erasure)

    @handles(Contact.Added, Contact.Updated)
    async def renamed(self, b: Batch, r: Recorded) -> None:
        if not names(r):
            return
        key, name = (r.meta.workspace_id, r.event.contact_id), name_given(r)
        b.lookup.renamed(key, name)
        b.pending.rename(key, name, r.position)
        b.deferred.rename(key, name, r.position)

    @handles(Conversation.Opened)
    async def opened(self, b: Batch, r: Recorded) -> None:
        ws, e = r.meta.workspace_id, r.event
        b.lookup.opened((ws, e.conversation_id), e.contact_id, r.meta.team_id, e.channel)
        b.deferred.open((ws, e.conversation_id), e.contact_id, r.meta.team_id, e.channel)

    @handles(Conversation.Reassigned, Conversation.ChatbotHandedOver)
    async def owner_changed(self, b: Batch, r: Recorded) -> None:
        key = (r.meta.workspace_id, r.event.conversation_id)
        owner = await b.lookup.owner(b.cur, key)
        if owner is None:  # as an UPDATE: no row, nothing changes
            return
        owner = owner_after(r.event, owner)
        b.lookup.reassigned(key, owner.agent_id, owner.team_id)
        b.deferred.reassign(key, owner.agent_id, owner.team_id)

    @handles(Conversation.InteractionClosed)
    async def interaction_closed(self, b: Batch, r: Recorded) -> None:
        key = (r.meta.workspace_id, r.event.conversation_id)
        b.pending.insert(interaction_row(r, await b.lookup.conversation(b.cur, key)))

    @handles(Activity.Logged, Activity.TicketCreated, Activity.WidgetChatStarted)
    async def logged(self, b: Batch, r: Recorded) -> None:
        contact, name = r.event.details.contact, None
        if contact is not None:
            name = contact.name
            if name is None:
                name = await b.lookup.contact_name(b.cur, (r.meta.workspace_id, contact.id))
        b.pending.insert(activity_row(r, name))

    @handles(Activity.Deleted)
    async def deleted(self, b: Batch, r: Recorded) -> None:
        key = (r.meta.workspace_id, r.event.activity_id)
        b.pending.delete(key, r.position)
        await b.deferred.flush_renames(b.cur)  # renames before it change the row, later not
        await b.cur.execute(
            f"UPDATE {ACTIVITIES.at(self.schema)} SET deleted = true, changed_position = %s "
            "WHERE workspace_id = %s AND activity_id = %s",
            (r.position, *key),
        )

    async def create(self, conn, attempts: int = 10, defer_indexes: bool = False) -> None:
        await super().create(conn, attempts, defer_indexes)
        if not defer_indexes:
            await self._trigram_indexes(conn)

    async def create_deferred_indexes(self, conn, building=None) -> None:
        await super().create_deferred_indexes(conn, building)
        await self._trigram_indexes(conn)

    async def _trigram_indexes(self, conn) -> None:
        """Substring filters use trigram indexes where pg_trgm exists (standard PostgreSQL
        packages have it; the pgserver wheel does not); the queries are the same either way."""
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except psycopg.Error:  # not installed, or not ours to install
            return
        for index in TRIGRAM:
            await conn.execute(index.create(self.schema))
