"""The workspace's live activity grid: rows as they are added, changed or removed.

A row is sent when it is added, and again when a later event changes it (a contact
rename changes its contact name); a deleted row is sent as `removed` if the subscriber
could have received it before. Order: the position of the event that added or changed
the row, then the row's own position.
"""

from __future__ import annotations

import json

from psycopg import AsyncConnection

from projections.activity_grid.queries import COLUMNS, ActivityRow, GridFilter, GridQueries
from projections.activity_grid.tables import ACTIVITIES, SCHEMA
from projections.shared.reading import Scope, rows
from projections.shared.streams import Item, Stream, StreamPosition

CHANGED = "coalesce(changed_position, position)"


class ActivityGridStream(Stream):
    schema = SCHEMA
    tiebreak = (int,)  # the row's own position

    def __init__(self, scope: Scope, grid_filter: GridFilter) -> None:
        super().__init__(scope)
        self.filter = grid_filter

    async def visible(self, conn: AsyncConnection) -> bool:
        return True  # the workspace's grid, whatever the caller may see of it

    def batch_key(self) -> tuple:
        values = (tuple(v) if isinstance(v, list) else v for v in vars(self.filter).values())
        return (ActivityGridStream, self.scope.view_key(), *values)

    @classmethod
    async def read_many(
        cls, conn: AsyncConnection, requests: list[tuple[Stream, StreamPosition]], limit: int
    ) -> list[list[Item]]:
        first: ActivityGridStream = requests[0][0]  # type: ignore[assignment]
        queries = GridQueries(conn, first.scope)
        where, params = queries.filters(first.filter)
        inside = [p.within[0] if p.within else None for _, p in requests]
        found = await rows(
            conn,
            "SELECT s.n, r.* FROM unnest(%s::int[], %s::bigint[], %s::bigint[]) AS s(n, g, tp) "
            f"CROSS JOIN LATERAL (SELECT {COLUMNS}, deleted, {CHANGED} AS changed FROM "
            f"{ACTIVITIES} WHERE {where} "
            # a row added and deleted since the position was never sent: nothing to remove
            f"AND NOT (deleted AND position > s.g) AND ({CHANGED} > s.g OR (s.tp IS NOT NULL "
            f"AND {CHANGED} = s.g AND position > s.tp)) ORDER BY changed, position LIMIT %s) r "
            "ORDER BY s.n, r.changed, r.position",
            (list(range(len(requests))), [p.group for _, p in requests], inside, *params, limit),
        )
        items: list[list[Item]] = [[] for _ in requests]
        for r in queries.redact(found):
            n, group, tiebreak = r.pop("n"), r.pop("changed"), (r["position"],)
            if r.pop("deleted"):
                removed = {"activity_id": r["activity_id"], "position": r["position"]}
                items[n].append(Item(group, tiebreak, "removed", json.dumps(removed)))
            else:
                row = ActivityRow(**r).model_dump_json()
                items[n].append(Item(group, tiebreak, "activity", row))
        return items

    def key(self) -> tuple:
        return (self.workspace_id,)

    @classmethod
    async def changes(
        cls, conn: AsyncConnection, after: int, upto: int, workspaces: frozenset[str] | None
    ) -> set[tuple] | None:
        # the announcements name the workspaces; a grid stream follows a whole workspace
        return None if workspaces is None else {(w,) for w in workspaces}
