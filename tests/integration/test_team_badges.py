"""A team-limited caller's badges count what it may see, from the projector's counts by
team, not by counting the entries of each record's history (projections/timeline/queries.py,
`badges`; docs/performance.md, "Queries flat with store size").

Given activities of several teams and of none on three contacts, two of them merged into
the first (one indirectly), an activity deleted after the merges and one logged after
them, in two workspaces with the same contact and activity ids: for every caller (an
admin, and agents of no team, of each team, of both), each contact's badge must equal the
count of the entries that caller may see on its timeline, counted here from the entries;
and the badge query must not read the entries at all.
"""

from __future__ import annotations

import psycopg
import pytest

from projections.timeline import Timeline
from projections.timeline.queries import TimelineQueries
from projections.timeline.rows import counted_sql
from projections.timeline.tables import ENTRIES
from services.api.scope import Scope
from services.api.tokens import Principal
from tests.support.plans import explain
from tests.support.projector_specs import Given, when_applied

pytestmark = pytest.mark.integration

CONTACTS = ["c_ann", "c_bo", "c_cy"]
TEAMS = ("support", "sales", None, "billing")
CALLERS = [("admin", ()), ("agent", ()), ("agent", ("support",)), ("agent", ("sales",)),
           ("agent", ("support", "sales"))]  # fmt: skip


def call(activity_id: str, contact_id: str) -> dict:
    return {"activity_id": activity_id, "type": "call", "summary": f"Call {activity_id}",
            "source": "manual", "contact_id": contact_id}  # fmt: skip


def history(given: Given, ws: str, shift: int) -> None:
    """The same ids in each workspace; `shift` turns which team logs which call."""
    for contact in CONTACTS:
        given.tell("contact.added", {"contact_id": contact, "name": contact, "source": "user"},
                   ws=ws)  # fmt: skip
    for i in range(18):
        contact, team = CONTACTS[i % 3], TEAMS[(i * 7 + shift) % 4]
        given.tell("activity.logged", call(f"a_{i}", contact), ws=ws, team=team)


def both_workspaces() -> Given:
    given = Given()
    history(given, "ws_a", 0)
    history(given, "ws_b", 1)
    for ws in ("ws_a", "ws_b"):
        given.tell("contact.merged", {"contact_id": "c_bo", "merged_contact_ids": ["c_cy"]},
                   ws=ws)  # fmt: skip
    given.tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
    given.tell("activity.deleted", {"activity_id": "a_4"})  # c_bo's, after the merges
    given.tell("activity.logged", call("a_late", "c_cy"), team="sales")
    given.tell("activity.deleted", {"activity_id": "a_5"}, ws="ws_b")
    return given


async def seen(conn, queries: TimelineQueries, scope: Scope, contact: str) -> int:
    """The entries `scope` may see on `contact`'s timeline that a badge counts."""
    where, params = scope.where()
    cur = await conn.execute(
        f"SELECT count(*) FROM {ENTRIES} WHERE {where} AND subject_type = 'contact' AND "
        f"subject_id = ANY(%s) AND NOT deleted AND {counted_sql()}",
        (*params, await queries.subjects("contact", contact)),
    )
    return (await cur.fetchone())[0]


async def test_each_callers_badges_count_the_entries_it_may_see(database_url):
    await when_applied(database_url, Timeline, both_workspaces())
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        for ws in ("ws_a", "ws_b"):
            totals = set()
            for role, teams in CALLERS:
                scope = Scope(Principal(ws, "u_17", role, teams, True))
                queries = TimelineQueries(conn, scope)
                expected = {c: await seen(conn, queries, scope, c) for c in CONTACTS}
                assert await queries.badges("contact", CONTACTS) == expected, (ws, role, teams)
                totals.add(tuple(expected.values()))
            assert len(totals) == len(CALLERS), ws  # every caller sees a different count
        # the merges and deletions of ws_a are not ws_b's
        admin = TimelineQueries(conn, Scope(Principal("ws_a", "u_17", "admin", (), True)))
        other = TimelineQueries(conn, Scope(Principal("ws_b", "u_17", "admin", (), True)))
        assert (await admin.badges("contact", CONTACTS))["c_ann"] == 6 + 6 + 7 - 1
        assert (await other.badges("contact", CONTACTS))["c_ann"] == 6


async def test_a_team_limited_badge_reads_the_counts_not_the_entries(database_url):
    await when_applied(database_url, Timeline, both_workspaces())
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        scope = Scope(Principal("ws_a", "u_17", "agent", ("support",), True))
        queries = TimelineQueries(conn, scope)
        for ids in (CONTACTS, ["c_ann"]):
            sql, params = queries.badges_sql("contact", ids)
            read = {n.get("Relation Name") for n in await explain(conn, sql, params)}
            assert read - {None} == {"badges"}, read
