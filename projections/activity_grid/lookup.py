"""What the activity grid's rows read about conversations and contacts, for one batch.

A closed interaction's row names its conversation's contact, agent and team, and an
activity without a contact name takes the contact's. Read per event, that was one round
trip each (a sync of the pipeline); here the batch's rows are read with two queries at its
start and then kept current from the batch's own events, in log order, exactly as the
tables change under the statements the projection runs. Anything not read up front is
read from the tables when asked, so the rows are the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from domain.activity import Activity
from domain.conversation import Conversation
from domain.conversation.ownership import Owner
from projections.activity_grid.deferred import DeferredChanges
from projections.activity_grid.tables import CONTACTS, CONVERSATIONS
from projections.engine.base import Recorded, reader
from projections.shared.tables import Table

Key = tuple[str, str]
# the events whose rows or statements read the conversation's row
CONVERSATION_READERS = (
    Conversation.InteractionClosed,
    Conversation.Reassigned,
    Conversation.ChatbotHandedOver,
)
OWNER = "conversation_id, contact_id, agent_id, team_id, channel"  # a conversation's row


class GridLookup:
    def __init__(self, schema: str, deferred: DeferredChanges) -> None:
        self.schema, self.deferred = schema, deferred
        # [contact, agent, team, channel]; None: no row
        self.conversations: dict[Key, list | None] = {}
        self.names: dict[Key, str | None] = {}

    async def load(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        closed = {
            (r.meta.workspace_id, r.event.conversation_id)
            for r in events
            if isinstance(r.event, CONVERSATION_READERS)
        }
        contacts = {
            (r.meta.workspace_id, r.event.contact_id)
            for r in events
            if type(r.event) is Conversation.Opened and r.event.contact_id
        }
        for r in events:
            details = getattr(r.event, "details", None)
            contact = getattr(details, "contact", None)
            if isinstance(r.event, Activity.Event) and contact is not None and contact.name is None:
                contacts.add((r.meta.workspace_id, contact.id))
        for key in closed:
            self.conversations[key] = None
        for ws, cid, contact_id, agent_id, team_id, channel in await self._rows(
            cur, OWNER, CONVERSATIONS, closed
        ):
            self.conversations[(ws, cid)] = [contact_id, agent_id, team_id, channel]
            if contact_id:
                contacts.add((ws, contact_id))
        for key in contacts:
            self.names[key] = None
        for ws, contact_id, name in await self._rows(cur, "contact_id, name", CONTACTS, contacts):
            self.names[(ws, contact_id)] = name

    async def _rows(self, cur: AsyncCursor, columns: str, table: Table, keys: set[Key]) -> list:
        if not keys:
            return []
        await self.deferred.flush(cur)  # the tables as the events so far left them
        columns = table.names(*(c.strip() for c in columns.split(",")))
        id_column = columns.split(",", 1)[0]
        workspaces, ids = (list(c) for c in zip(*keys, strict=True))
        cur = reader(cur)
        await cur.execute(
            f"SELECT workspace_id, {columns} FROM {table.at(self.schema)} WHERE "
            f"(workspace_id, {id_column}) IN (SELECT * FROM unnest(%b::text[], %b::text[]))",
            (workspaces, ids),
        )
        return await cur.fetchall()

    def opened(self, key: Key, contact_id: str | None, team_id: str | None, channel: str) -> None:
        # INSERT ... ON CONFLICT DO NOTHING; a key not read up front is read when asked for
        if key in self.conversations and self.conversations[key] is None:
            self.conversations[key] = [contact_id, None, team_id, channel]

    def reassigned(self, key: Key, agent_id: str | None, team_id: str | None) -> None:
        row = self.conversations.get(key)
        if row is not None:  # UPDATE: only an existing row
            row[1], row[2] = agent_id, team_id

    def renamed(self, key: Key, name: str | None) -> None:
        self.names[key] = name

    async def contact_name(self, cur: AsyncCursor, key: Key) -> str | None:
        if key not in self.names:
            rows = await self._rows(cur, "contact_id, name", CONTACTS, {key})
            self.names[key] = rows[0][2] if rows else None
        return self.names[key]

    async def _conversation(self, cur: AsyncCursor, key: Key) -> list | None:
        if key not in self.conversations:
            rows = await self._rows(cur, OWNER, CONVERSATIONS, {key})
            self.conversations[key] = list(rows[0][2:]) if rows else None
        return self.conversations[key]

    async def owner(self, cur: AsyncCursor, key: Key) -> Owner | None:
        """The conversation's owner as its row has it (None: no row)."""
        row = await self._conversation(cur, key)
        return None if row is None else Owner(row[2], row[1])

    async def conversation(self, cur: AsyncCursor, key: Key) -> tuple:
        """(contact id, contact name, agent id, team id, channel), as the grid's join reads
        them."""
        row = await self._conversation(cur, key)
        if row is None:
            return (None, None, None, None, None)
        contact_id, agent_id, team_id, channel = row
        name = await self.contact_name(cur, (key[0], contact_id)) if contact_id else None
        return (contact_id, name, agent_id, team_id, channel)
