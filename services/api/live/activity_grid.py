"""The workspace's live activity grid: rows as they are added, changed or removed.

A row is sent when it is added, and again when a later event changes it (a contact
rename changes its contact name); a deleted row is sent as `removed` if the subscriber
could have received it before. Order: the position of the event that added or changed
the row, then the row's own position.
"""

from __future__ import annotations

import json
from typing import Any

from psycopg import AsyncConnection

from services.api.live.streams import Item, Stream, StreamPosition
from services.api.queries import rows
from services.api.queries.activity_grid import COLUMNS, GridFilter, GridQueries
from services.api.routes.activity_grid import ActivityRow
from services.api.scope import Scope

CHANGED = "coalesce(changed_position, position)"
PROBE = (
    "SELECT s.i FROM unnest(%s::int[], %s::text[], %s::bigint[]) AS s(i, ws, floor) "
    "WHERE EXISTS (SELECT 1 FROM rm_activity_grid.activities a WHERE "
    "a.workspace_id = s.ws AND coalesce(a.changed_position, a.position) > s.floor)"
)


class ActivityGridStream(Stream):
    schema = "rm_activity_grid"
    tiebreak = (int,)  # the row's own position

    def __init__(self, scope: Scope, grid_filter: GridFilter) -> None:
        super().__init__(scope)
        self.filter = grid_filter

    async def visible(self, conn: AsyncConnection) -> bool:
        return True  # the workspace's grid, whatever the caller may see of it

    async def read(self, conn: AsyncConnection, after: StreamPosition, limit: int) -> list[Item]:
        queries = GridQueries(conn, self.scope)
        where, params = queries.filters(self.filter)
        later, later_params = after.after(CHANGED, ("position",))
        found = await rows(
            conn,
            f"SELECT {COLUMNS}, deleted, {CHANGED} AS changed FROM rm_activity_grid.activities "
            # a row added and deleted since `after` was never sent: nothing to remove
            f"WHERE {where} AND NOT (deleted AND position > %s) AND {later} "
            "ORDER BY changed, position LIMIT %s",
            (*params, after.group, *later_params, limit),
        )
        items = []
        for r in queries.redact(found):
            group, tiebreak = r.pop("changed"), (r["position"],)
            if r.pop("deleted"):
                removed = {"activity_id": r["activity_id"], "position": r["position"]}
                items.append(Item(group, tiebreak, "removed", json.dumps(removed)))
            else:
                items.append(Item(group, tiebreak, "activity", ActivityRow(**r).model_dump_json()))
        return items

    def probe_key(self) -> tuple[Any, ...]:
        return (self.workspace_id,)

    @classmethod
    async def probe(cls, conn: AsyncConnection, keyed: list[tuple[int, tuple, int]]) -> set[int]:
        columns = [
            [index for index, _, _ in keyed],
            [key[0] for _, key, _ in keyed],
            [floor for _, _, floor in keyed],
        ]
        return {r["i"] for r in await rows(conn, PROBE, columns)}
