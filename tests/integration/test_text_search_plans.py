"""The grid's substring filters and the timeline's text search read the rows in time order
and stop at a page of matches, whatever the estimates (docs/performance.md, "Queries flat
with store size (issue 21, point 2)").

At 1M events the planner read every match of the workspace through the trigram index and
sorted them (the grid's contact filter, once the statement was prepared and planned without
its values: 20 ms), and read the busiest contact's whole history and sorted it (the
timeline's text search, in the custom plans: 150-225 ms), where walking the time-ordered
index to the first page of matches took 2-3 ms. Both statements now apply the text filter
outside the time-ordered read (`OFFSET 0`, no ORDER BY above it), written as
`strpos(...) > 0`, whose selectivity the planner does not take from the statistics.

The tables are made as a rebuild makes them (the readers' indexes after the rows, then
ANALYZE: services/operate/rebuild.py). EXPLAIN of the very statement the query class runs,
as a custom plan and as the generic plan PostgreSQL uses once it is prepared, must read
the table through the time-ordered index only (no bitmap, no sequential scan); the
timeline's also before ANALYZE. Without statistics the grid's read is not pinned: the
planner then takes the workspace for a few hundred rows and reads and sorts them all, with
the old shape and this one alike (rebuilds analyze; autovacuum does in production). These
small tables do not lead the old shapes into their bad plans (they pass here too): the
tests pin the property, the benchmark shows the difference. Answers are checked against
the newest matches computed here (the timeline's with and without email access).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from projections.activity_grid import ActivityGrid
from projections.activity_grid.queries import GridFilter, GridQueries
from projections.activity_grid.tables import ACTIVITIES
from projections.timeline import Timeline
from projections.timeline.queries import TimelineQueries
from projections.timeline.tables import ENTRIES
from services.api.scope import Scope
from services.api.tokens import Principal
from tests.support.plans import explain, scans_of

pytestmark = pytest.mark.integration

ROWS = 40_000  # per workspace
EVERY = 50  # one row in EVERY matches: 2 %
START = datetime(2026, 1, 1, tzinfo=UTC)


def scope(email_access: bool = True) -> Scope:
    return Scope(Principal("ws_a", "u_17", "admin", (), email_access))


async def test_the_grid_contact_filter_walks_the_workspace_newest_first(database_url):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        grid = ActivityGrid()
        await grid.create(conn, defer_indexes=True)  # as a rebuild makes it
        # 2 % of the rows match, spread over time, in two workspaces
        await conn.execute(
            f"INSERT INTO {ACTIVITIES} (workspace_id, activity_id, position, type, contact_id, "
            "contact_name, source, created_at) "
            "SELECT ws, 'a_' || i, i, 'call', 'c_' || (i %% 300), "
            "CASE WHEN i %% 50 = 0 THEN 'Needle Person ' || i ELSE 'Ann Lee ' || (i %% 700) END, "
            "'manual', %s + i * interval '1 minute' "
            "FROM generate_series(1, %s) i, unnest(ARRAY['ws_a', 'ws_b']) ws",
            (START, ROWS),
        )
        await grid.create_deferred_indexes(conn)
        queries = GridQueries(conn, scope())
        wanted = GridFilter([], [], [], contact="needle person")
        await conn.execute(f"ANALYZE {ACTIVITIES}")  # as a rebuild does (see above)
        sql, params = queries.page_sql(wanted, limit=50, cursor=None, newest_first=True)
        for generic in (False, True):
            scans = scans_of(await explain(conn, sql, params, generic), "activities")
            assert scans == [("Index Scan", "activities_all")], generic
        page, cursor = await queries.page(wanted, limit=50, cursor=None, newest_first=True)
        newest = list(range(ROWS, ROWS - 50 * 50, -50))
        assert [r["position"] for r in page] == newest
        assert {r["contact_name"] for r in page} == {f"Needle Person {i}" for i in newest}
        page, _ = await queries.page(wanted, limit=50, cursor=cursor, newest_first=True)
        assert [r["position"] for r in page] == [p - 50 * 50 for p in newest]


async def test_the_timeline_text_search_walks_the_record_newest_first(database_url):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        timeline = Timeline()
        await timeline.create(conn, defer_indexes=True)
        # one busy contact among many small ones, in two workspaces; its matching entries
        # are recent (every fifth of them email content: hidden without permission)
        await conn.execute(
            f"INSERT INTO {ENTRIES} (workspace_id, subject_type, subject_id, position, "
            "category, source_type, source_id, search_text, channel, occurred_at, recorded_at, "
            "type, actor_type, actor_id, summary, details) "
            "SELECT ws, 'contact', CASE WHEN i %% 2 = 0 THEN 'c_' || (i %% 300) ELSE 'c_busy' "
            "END, i, 'conversation', 'conversation', 'conv_' || (i %% 300), "
            "CASE WHEN i %% 50 = 1 THEN 'sorry, i have refunded the charge ' || i "
            "ELSE 'where is my order ' || i END, "
            "CASE WHEN i %% 250 = 1 THEN 'email' ELSE 'whatsapp' END, "
            "%s + i * interval '1 minute', %s + i * interval '1 minute', "
            "'conversation.message_sent', 'user', 'u_17', 'a message', '{}'::jsonb "
            "FROM generate_series(1, %s) i, unnest(ARRAY['ws_a', 'ws_b']) ws",
            (START, START, ROWS),
        )
        await timeline.create_deferred_indexes(conn)
        for analyzed in (False, True):
            if analyzed:
                await conn.execute(f"ANALYZE {ENTRIES}")
            for email_access in (True, False):
                queries = TimelineQueries(conn, scope(email_access))
                sql, params = queries.entries_sql(
                    "contact",
                    "c_busy",
                    limit=10,
                    cursor=None,
                    types=[],
                    categories=[],
                    text="refund",
                    include_deleted=False,
                )
                for generic in (False, True):
                    nodes = await explain(conn, sql, params, generic)
                    how = (analyzed, email_access, generic)
                    # its own entries newest first; its merged contacts' the same way, each
                    # looked up by its key
                    own, *lookups = scans_of(nodes, "entries")
                    assert own == ("Index Scan", "entries_newest"), how
                    merged = [
                        n.get("Index Name")
                        for n in nodes
                        if n.get("Relation Name") == "merged_entries"
                    ]
                    assert merged == ["merged_entries_pkey"], how
                    conditions = [n.get("Index Cond", "") for n in nodes if n.get("Index Name")]
                    assert len(lookups) == 1 and any('= m."position"' in c for c in conditions), (
                        how,
                        conditions,
                    )
                page = await queries.page(
                    "contact",
                    "c_busy",
                    limit=10,
                    cursor=None,
                    types=[],
                    categories=[],
                    text="refund",
                    include_deleted=False,
                )
                matching = [
                    i
                    for i in range(ROWS, 0, -1)
                    if i % 2 and i % 50 == 1 and (email_access or i % 250 != 1)
                ]
                assert [e.position for e in page.entries] == matching[:10]
                assert page.entries[0].occurred_at == START + timedelta(minutes=matching[0])
