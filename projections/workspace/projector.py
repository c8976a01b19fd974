"""The workspace directory: its settings (time zone), its channels (deleted ones marked),
its users (names as last seen, deletions) and the history of its settings changes.

Channels are known from `workspace.channel_added` and from any connection, conversation
or message on them; users from the actors of every event. Reports read this to cut days
in the workspace's zone, to offer only live channels as filters, and to show a deleted
user by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from psycopg import AsyncCursor

from domain.catalogue import AGGREGATES
from domain.contact import Contact
from domain.conversation import Conversation as C
from domain.workspace import Workspace as W
from projections.engine.base import Recorded
from projections.engine.bulk import insert_many
from projections.shared.describe import COMMON_PLACEHOLDERS, common_columns
from projections.shared.erasure import affected, rewrite_common
from projections.shared.handlers import Model, handles
from projections.workspace.tables import CHANNELS, HISTORY, SETTINGS, USERS, ddl

SUMMARIES = {
    W.Registered: lambda e: "Workspace settings started (time zone UTC)",
    W.TimeZoneChanged: lambda e: f"Time zone changed from {e.old_time_zone} to {e.new_time_zone}",
    W.ChannelAdded: lambda e: f"Channel {e.channel} added" + (f" as {e.name!r}" if e.name else ""),
    W.ChannelDeleted: lambda e: f"Channel {e.channel} deleted",
    W.UserDeleted: lambda e: f"User {e.user_id} deleted",
}


@dataclass
class Batch:
    cur: AsyncCursor
    users: dict[tuple[str, str], str | None] = field(default_factory=dict)
    channels: set[tuple[str, str]] = field(default_factory=set)
    changes: list[Recorded] = field(default_factory=list)


def history_row(r: Recorded) -> tuple:
    columns = list(common_columns(r))
    columns[7] = SUMMARIES[type(r.event)](r.event)  # the summary column
    return (r.meta.workspace_id, r.position, *columns)


class WorkspaceDirectory(Model):
    name = "workspace"
    cost = 0.45  # CPU seconds per 200k events of a rebuild (relative: engine/together.py)

    def tables(self) -> list[str]:
        return ddl(self.schema)

    async def begin(self, cur: AsyncCursor, events: Sequence[Recorded]) -> Batch:
        return Batch(cur)

    @handles(*(aggregate.Event for aggregate in AGGREGATES))
    def actor(self, b: Batch, r: Recorded) -> None:
        """Every event's user: the last name seen, in log order."""
        ws, actor = r.meta.workspace_id, r.meta.actor
        if actor.type == "user" and (actor.name is not None or (ws, actor.id) not in b.users):
            b.users[(ws, actor.id)] = actor.name

    @handles(Contact.Connected, C.Opened)
    def channel(self, b: Batch, r: Recorded) -> None:
        b.channels.add((r.meta.workspace_id, r.event.channel))

    @handles(C.MessageReceived, C.MessageSent, C.RepliedAndArchived, C.RepliedAndReopened)
    def message(self, b: Batch, r: Recorded) -> None:
        b.channels.add((r.meta.workspace_id, r.event.message.channel))

    @handles(Contact.Added)
    def contact_handles(self, b: Batch, r: Recorded) -> None:
        b.channels.update((r.meta.workspace_id, h.channel) for h in r.event.handles)

    @handles(W.Event)
    def changed(self, b: Batch, r: Recorded) -> None:
        """On the settings' history (written with the batch)."""
        b.changes.append(r)

    @handles(W.TimeZoneChanged)
    async def time_zone_changed(self, b: Batch, r: Recorded) -> None:
        await b.cur.execute(
            f"INSERT INTO {SETTINGS.at(self.schema)} VALUES (%s, %s, %s, %s) ON CONFLICT "
            "(workspace_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, "
            "changed_at = EXCLUDED.changed_at, position = EXCLUDED.position",
            (r.meta.workspace_id, r.event.new_time_zone, r.meta.occurred_at, r.position),
        )

    @handles(W.ChannelAdded)
    async def channel_added(self, b: Batch, r: Recorded) -> None:
        await b.cur.execute(
            f"INSERT INTO {CHANNELS.at(self.schema)} VALUES (%s, %s, %s, NULL) ON CONFLICT "
            "(workspace_id, channel) DO UPDATE SET name = EXCLUDED.name, deleted_at = NULL",
            (r.meta.workspace_id, r.event.channel, r.event.name),
        )

    @handles(W.ChannelDeleted)
    async def channel_deleted(self, b: Batch, r: Recorded) -> None:
        await b.cur.execute(
            f"INSERT INTO {CHANNELS.at(self.schema)} VALUES (%s, %s, NULL, %s) ON CONFLICT "
            "(workspace_id, channel) DO UPDATE SET deleted_at = EXCLUDED.deleted_at",
            (r.meta.workspace_id, r.event.channel, r.meta.occurred_at),
        )

    @handles(W.UserDeleted)
    async def user_deleted(self, b: Batch, r: Recorded) -> None:
        await b.cur.execute(
            f"INSERT INTO {USERS.at(self.schema)} VALUES (%s, %s, NULL, %s) ON CONFLICT "
            "(workspace_id, user_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at",
            (r.meta.workspace_id, r.event.user_id, r.meta.occurred_at),
        )

    async def end(self, cur: AsyncCursor, b: Batch) -> None:
        s = self.schema
        if b.users:
            await insert_many(
                cur,
                f"INSERT INTO {USERS.at(s)} (workspace_id, user_id, name) VALUES (%s, %s, %s) "
                "ON CONFLICT (workspace_id, user_id) DO UPDATE SET "
                "name = coalesce(EXCLUDED.name, users.name)",
                [(*key, name) for key, name in b.users.items()],
            )
        if b.channels:
            await insert_many(
                cur,
                f"INSERT INTO {CHANNELS.at(s)} (workspace_id, channel) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                sorted(b.channels),
            )
        if b.changes:
            await insert_many(
                cur,
                f"INSERT INTO {HISTORY.at(s)} ({HISTORY.names()}) VALUES "
                f"(%s, %s, {COMMON_PLACEHOLDERS}) ON CONFLICT DO NOTHING",
                [history_row(r) for r in b.changes],
            )

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Only the history's actor names can hold personal data (a customer's); users
        are the workspace's own people, channels its own names."""
        events = await affected(cur, erasure, W.Event)
        await rewrite_common(cur, HISTORY.at(self.schema), events)
