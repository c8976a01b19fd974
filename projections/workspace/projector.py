"""The workspace directory: its settings (time zone), its channels (deleted ones marked),
its users (names as last seen, deletions) and the history of its settings changes.

Channels are known from `workspace.channel_added` and from any connection, conversation
or message on them; users from the actors of every event. Reports read this to cut days
in the workspace's zone, to offer only live channels as filters, and to show a deleted
user by id.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from domain.workspace import Workspace
from projections.engine.base import Projection, Recorded
from projections.engine.bulk import insert_many
from projections.shared.describe import (
    COMMON_COLUMNS,
    COMMON_DDL,
    COMMON_PLACEHOLDERS,
    common_columns,
)
from projections.shared.erasure import affected, rewrite_common

MESSAGE_TYPES = (
    "conversation.message_received",
    "conversation.message_sent",
    "conversation.replied_and_archived",
    "conversation.replied_and_reopened",
)


SUMMARIES = {
    "workspace.registered": lambda e: "Workspace settings started (time zone UTC)",
    "workspace.time_zone_changed": lambda e: (
        f"Time zone changed from {e.old_time_zone} to {e.new_time_zone}"
    ),
    "workspace.channel_added": lambda e: (
        f"Channel {e.channel} added" + (f" as {e.name!r}" if e.name else "")
    ),
    "workspace.channel_deleted": lambda e: f"Channel {e.channel} deleted",
    "workspace.user_deleted": lambda e: f"User {e.user_id} deleted",
}


def history_row(r: Recorded) -> tuple:
    columns = list(common_columns(r))
    columns[7] = SUMMARIES[r.type](r.event)  # the summary column
    return (r.meta.workspace_id, r.position, *columns)


def channels_of(r: Recorded) -> list[str]:
    """The channels an event shows the workspace has."""
    e = r.event
    if r.type == "contact.connected" or r.type == "conversation.opened":
        return [e.channel]
    if r.type in MESSAGE_TYPES:
        return [e.message.channel]
    if r.type == "contact.added":
        return [h.channel for h in e.handles]
    return []


class WorkspaceDirectory(Projection):
    name = "workspace"

    def tables(self) -> list[str]:
        s = self.schema
        return [
            f"""CREATE TABLE IF NOT EXISTS {s}.settings (
                workspace_id text PRIMARY KEY, time_zone text NOT NULL,
                changed_at timestamptz NOT NULL, position bigint NOT NULL)""",
            f"""CREATE TABLE IF NOT EXISTS {s}.channels (
                workspace_id text NOT NULL, channel text NOT NULL, name text,
                deleted_at timestamptz, PRIMARY KEY (workspace_id, channel))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.users (
                workspace_id text NOT NULL, user_id text NOT NULL, name text,
                deleted_at timestamptz, PRIMARY KEY (workspace_id, user_id))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.history (
                workspace_id text NOT NULL, position bigint NOT NULL, {COMMON_DDL},
                PRIMARY KEY (workspace_id, position))""",
        ]

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        s = self.schema
        users: dict[tuple[str, str], str | None] = {}
        channels: set[tuple[str, str]] = set()
        changes: list[Recorded] = []
        for r in events:
            ws, actor = r.meta.workspace_id, r.meta.actor
            if actor.type == "user" and (actor.name is not None or (ws, actor.id) not in users):
                users[(ws, actor.id)] = actor.name  # the last name seen, in log order
            channels.update((ws, channel) for channel in channels_of(r))
            if r.type.startswith("workspace."):
                changes.append(r)
        if users:
            await insert_many(
                cur,
                f"INSERT INTO {s}.users (workspace_id, user_id, name) VALUES (%s, %s, %s) "
                "ON CONFLICT (workspace_id, user_id) DO UPDATE SET "
                "name = coalesce(EXCLUDED.name, users.name)",
                [(*key, name) for key, name in users.items()],
            )
        if channels:
            await insert_many(
                cur,
                f"INSERT INTO {s}.channels (workspace_id, channel) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                sorted(channels),
            )
        for r in changes:
            await self._change(cur, r)
        if changes:
            await insert_many(
                cur,
                f"INSERT INTO {s}.history (workspace_id, position, {COMMON_COLUMNS}) VALUES "
                f"(%s, %s, {COMMON_PLACEHOLDERS}) ON CONFLICT DO NOTHING",
                [history_row(r) for r in changes],
            )

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Only the history's actor names can hold personal data (a customer's); users
        are the workspace's own people, channels its own names."""
        events = await affected(cur, erasure, Workspace.Event)
        await rewrite_common(cur, f"{self.schema}.history", events)

    async def _change(self, cur: AsyncCursor, r: Recorded) -> None:
        s, e, ws, at = self.schema, r.event, r.meta.workspace_id, r.meta.occurred_at
        if r.type == "workspace.time_zone_changed":
            await cur.execute(
                f"INSERT INTO {s}.settings VALUES (%s, %s, %s, %s) ON CONFLICT (workspace_id) "
                "DO UPDATE SET time_zone = EXCLUDED.time_zone, changed_at = EXCLUDED.changed_at,"
                " position = EXCLUDED.position",
                (ws, e.new_time_zone, at, r.position),
            )
        elif r.type == "workspace.channel_added":
            await cur.execute(
                f"INSERT INTO {s}.channels VALUES (%s, %s, %s, NULL) ON CONFLICT "
                "(workspace_id, channel) DO UPDATE SET name = EXCLUDED.name, deleted_at = NULL",
                (ws, e.channel, e.name),
            )
        elif r.type == "workspace.channel_deleted":
            await cur.execute(
                f"INSERT INTO {s}.channels VALUES (%s, %s, NULL, %s) ON CONFLICT "
                "(workspace_id, channel) DO UPDATE SET deleted_at = EXCLUDED.deleted_at",
                (ws, e.channel, at),
            )
        elif r.type == "workspace.user_deleted":
            await cur.execute(
                f"INSERT INTO {s}.users VALUES (%s, %s, NULL, %s) ON CONFLICT "
                "(workspace_id, user_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at",
                (ws, e.user_id, at),
            )
