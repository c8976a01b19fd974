"""The workspace directory: its time zone, channels, users and settings history (the
routes: services/api/routes/workspace.py; reports read the zone and channels too)."""

from __future__ import annotations

from psycopg import AsyncConnection

from domain.workspace import DEFAULT_TIME_ZONE
from projections.shared import cursor as cursors
from projections.shared.reading import Scope, rows
from projections.workspace.tables import CHANNELS, HISTORY, SETTINGS, USERS


class WorkspaceQueries:
    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    async def settings(self) -> dict:
        where, params = self.scope.where(team_column=None)
        found = await rows(
            self.conn,
            f"SELECT time_zone, changed_at FROM {SETTINGS} WHERE {where}",
            params,
        )
        if found:
            return found[0]
        return {"time_zone": DEFAULT_TIME_ZONE, "changed_at": None}

    async def time_zone(self) -> str:
        return (await self.settings())["time_zone"]

    async def channels(self) -> list[dict]:
        """Every channel the workspace has had; deleted ones are not selectable."""
        where, params = self.scope.where(team_column=None)
        found = await rows(
            self.conn,
            f"SELECT channel, name, deleted_at FROM {CHANNELS} WHERE {where} ORDER BY channel",
            params,
        )
        for c in found:
            c["deleted"] = c["deleted_at"] is not None
            c["selectable"] = not c["deleted"]
        return found

    async def users(self) -> list[dict]:
        where, params = self.scope.where(team_column=None)
        found = await rows(
            self.conn,
            f"SELECT user_id, name, deleted_at FROM {USERS} WHERE {where} ORDER BY user_id",
            params,
        )
        for u in found:  # seed 004: a deleted user is shown by id
            u["deleted"] = u["deleted_at"] is not None
            u["display"] = u["user_id"] if u["deleted"] else (u["name"] or u["user_id"])
        return found

    async def history(self, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        after = cursors.decode(cursor, (int,))[0] if cursor else 0
        where, params = self.scope.where(team_column=None)
        found = await rows(
            self.conn,
            "SELECT position, occurred_at, recorded_at, type, summary, actor_type, actor_id, "
            f"actor_name, details FROM {HISTORY} WHERE {where} AND position > %s "
            "ORDER BY position LIMIT %s",
            (*params, after, limit + 1),
        )
        page, more = found[:limit], len(found) > limit
        return page, (cursors.encode(page[-1]["position"]) if more else None)
