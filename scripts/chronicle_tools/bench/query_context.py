"""What the timed queries ask about, found in the rebuilt read models: the busiest
workspace, contact and team, a sample of contacts weighted as traffic is, cursors deep down a
long timeline and a long grid, some conversations."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from psycopg import AsyncConnection

from projections.shared import cursor as cursors
from services.api.scope import Scope
from services.api.tokens import Principal


@dataclass
class Context:
    workspace: str
    busiest: str
    contacts: list[str]
    conversations: list[str]
    scope: Scope
    team: str = ""  # the workspace's busiest team
    since: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=30))
    deep_cursor: str | None = None
    grid_cursor: str | None = None
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def contact(self) -> str:
        return self.rng.choice(self.contacts)

    def conversation(self) -> str:
        return self.rng.choice(self.conversations)


TIMELINE_ROUTE = "/v1/contacts/{subject_id}/timeline"
GRID_ROUTE = "/v1/activities"


def as_the_api(ctx: Context, route: str) -> None:
    """Cursors made and read here as the API makes them for this caller and route (the
    process must hold the API's cursor key: phase_queries configures it)."""
    cursors.bind(ctx.workspace, ctx.scope.principal.user_id, route)


async def _column(conn: AsyncConnection, sql: str, params: tuple) -> list:
    return [row[0] for row in await (await conn.execute(sql, params)).fetchall()]


async def build(conn: AsyncConnection) -> Context:
    workspace = (
        await _column(
            conn,
            "SELECT workspace_id FROM rm_timeline.badges GROUP BY 1 ORDER BY sum(count) DESC "
            "LIMIT 1",
            (),
        )
    )[0]
    # Busier contacts are asked about more often, as users open the records they work on.
    ranked = await _column(
        conn,
        "SELECT subject_id FROM rm_timeline.badges WHERE workspace_id = %s AND "
        "subject_type = 'contact' ORDER BY count DESC LIMIT 2000",
        (workspace,),
    )
    rng = random.Random(7)
    weights = [1 / (rank + 1) for rank in range(len(ranked))]
    contacts = rng.choices(ranked, weights=weights, k=500)
    conversations = await _column(
        conn,
        "SELECT conversation_id FROM rm_conversations.conversations WHERE workspace_id = %s "
        "ORDER BY md5(conversation_id) LIMIT 200",
        (workspace,),
    )
    teams = await _column(
        conn,
        "SELECT subject_id FROM rm_communication.volume WHERE workspace_id = %s AND "
        "subject_type = 'team' GROUP BY 1 ORDER BY sum(count) DESC LIMIT 1",
        (workspace,),
    )
    scope = Scope(Principal(workspace, "u_17", "admin", (), True))
    ctx = Context(workspace, ranked[0], contacts, conversations, scope, rng=rng)
    ctx.team = teams[0] if teams else ""
    ctx.deep_cursor = await _deep_timeline_cursor(conn, ctx)
    ctx.grid_cursor = await _deep_grid_cursor(conn, ctx)
    return ctx


async def _deep_timeline_cursor(conn: AsyncConnection, ctx: Context) -> str | None:
    """The cursor of the page 80 % down the busiest contact's timeline (walked page by
    page, as a client would)."""
    from projections.timeline.queries import TimelineQueries  # late: as in query_calls.py

    entries = await _column(
        conn,
        "SELECT count(*) FROM rm_timeline.entries WHERE workspace_id = %s AND "
        "subject_type = 'contact' AND subject_id = %s AND NOT deleted",
        (ctx.workspace, ctx.busiest),
    )
    depth, seen, cursor = int(entries[0] * 0.8), 0, None
    as_the_api(ctx, TIMELINE_ROUTE)
    queries = TimelineQueries(conn, ctx.scope)
    while seen < depth:
        page = await queries.page(
            "contact",
            ctx.busiest,
            limit=100,
            cursor=cursor,
            types=[],
            categories=[],
            text=None,
            include_deleted=False,
        )
        seen += len(page.entries)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return cursor


async def _deep_grid_cursor(conn: AsyncConnection, ctx: Context) -> str | None:
    from projections.activity_grid.queries import GridFilter, GridQueries  # late: ditto

    rows = await _column(
        conn,
        "SELECT count(*) FROM rm_activity_grid.activities WHERE workspace_id = %s AND NOT deleted",
        (ctx.workspace,),
    )
    depth, seen, cursor = rows[0] // 2, 0, None
    as_the_api(ctx, GRID_ROUTE)
    queries = GridQueries(conn, ctx.scope)
    while seen < depth:
        page, cursor = await queries.page(
            GridFilter([], [], []), limit=500, cursor=cursor, newest_first=True
        )
        seen += len(page)
        if cursor is None:
            break
    return cursor
