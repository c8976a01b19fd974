"""Merged contacts on the timelines they were merged into (MERGED_ENTRIES), and their
counts on those timelines' badges.

A contact's timeline shows the entries of every contact merged into it, however
indirectly. Rather than finding those contacts on every read (a page then read each of
them: 60 for the benchmark's busiest contact at 1M events, 600 at 10M), the projector
writes each such entry's key once per timeline that shows it, and adds it to that
timeline's badge. At the end of each batch, in this order:

1. `uncount`: the batch's deleted entries leave the badges of the timelines they were
   spread to (before 2, which counts what it spreads as it is then);
2. `spread`: the entries of the contacts merged in this batch (with the contacts merged
   into those) go to the timeline merged into and every one above it; the batch's new
   entries of contacts merged earlier go to theirs. Keys already there are skipped, so
   each entry is counted once per timeline whichever batch brought it.
"""

from __future__ import annotations

from psycopg import AsyncCursor

from projections.engine.base import reader
from projections.timeline.rows import counted_sql
from projections.timeline.tables import BADGES, CONTACT_MERGES, ENTRIES, MERGED_ENTRIES

# every contact a (merged) contact's entries reach: (ws, contact, timeline, since, from)
_ABOVE = (
    "UNION SELECT r.ws, r.d, m.primary_contact_id, greatest(r.since, m.merged_at), r.from_pos "
    "FROM reach r JOIN {merges} m ON m.workspace_id = r.ws AND m.merged_contact_id = r.a"
)
_BADGE_UPSERT = (  # counts(ws, a, team, n): n more on contact a's badge, of that team
    "INSERT INTO {badges} SELECT ws, 'contact', a, team, n FROM counts ON CONFLICT "
    "(workspace_id, subject_type, subject_id, team_id) "
    "DO UPDATE SET count = badges.count + EXCLUDED.count"
)


async def spread(
    cur: AsyncCursor, schema: str, first: int, fresh: set[tuple], merges: list[tuple]
) -> None:
    """`fresh`: (workspace, contact) with entries from position `first` on (this batch's);
    `merges`: this batch's (workspace, merged contact, primary, merged at)."""
    if not fresh and not merges:
        return
    cm, me = CONTACT_MERGES.at(schema), MERGED_ENTRIES.at(schema)
    fresh_ws, fresh_ids = (list(c) for c in zip(*fresh, strict=True)) if fresh else ([], [])
    m_ws, m_x, m_p, m_t = (list(c) for c in zip(*merges, strict=True)) if merges else ([],) * 4
    await cur.execute(
        "WITH RECURSIVE "
        "merged(ws, x, p, t) AS (SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], "
        "%s::timestamptz[])), "
        # the merged contacts with the contacts merged into them: all their entries
        "down(ws, d, p, since) AS (SELECT * FROM merged UNION SELECT down.ws, "
        "m.merged_contact_id, down.p, greatest(down.since, m.merged_at) FROM down JOIN "
        f"{cm} m ON m.workspace_id = down.ws AND m.primary_contact_id = down.d), "
        "reach(ws, d, a, since, from_pos) AS (SELECT ws, d, p, since, 0::bigint FROM down "
        # contacts merged before that got entries now: only those
        "UNION SELECT m.workspace_id, m.merged_contact_id, m.primary_contact_id, "
        "m.merged_at, %s::bigint FROM unnest(%s::text[], %s::text[]) f(ws, d) "
        f"JOIN {cm} m ON m.workspace_id = f.ws AND m.merged_contact_id = f.d "
        f"{_ABOVE.format(merges=cm)}), "
        f"added AS (INSERT INTO {me} SELECT e.workspace_id, r.a, e.occurred_at, e.position, "
        f"e.subject_id, r.since FROM reach r JOIN {ENTRIES.at(schema)} e ON "
        "e.workspace_id = r.ws AND e.subject_type = 'contact' AND e.subject_id = r.d AND "
        "e.position >= r.from_pos WHERE r.a <> r.d ON CONFLICT DO NOTHING "
        "RETURNING workspace_id, primary_id, subject_id, position), "
        "counts(ws, a, team, n) AS (SELECT x.workspace_id, x.primary_id, "
        f"coalesce(e.team_id, ''), count(*) FROM added x JOIN {ENTRIES.at(schema)} e ON "
        "e.workspace_id = x.workspace_id AND e.subject_type = 'contact' AND "
        "e.subject_id = x.subject_id AND e.position = x.position "
        f"WHERE NOT e.deleted AND {counted_sql('e')} GROUP BY 1, 2, 3) "
        f"{_BADGE_UPSERT.format(badges=BADGES.at(schema))}",
        (m_ws, m_x, m_p, m_t, first, fresh_ws, fresh_ids),
    )


async def uncount(cur: AsyncCursor, schema: str, gone: list) -> None:
    """`gone`: stored contact entries (timeline rows) this batch deleted, once counted."""
    if not gone:
        return
    cm, me, badges = CONTACT_MERGES.at(schema), MERGED_ENTRIES.at(schema), BADGES.at(schema)
    columns = ("workspace_id", "subject_id", "position", "occurred_at")
    ws, ids, positions, at = ([getattr(x, c) for x in gone] for c in columns)
    teams = [x.team_id or "" for x in gone]
    found = reader(cur)
    await found.execute(
        "WITH RECURSIVE "
        "reach(ws, d, a, pos, at, team) AS (SELECT g.ws, g.d, m.primary_contact_id, g.pos, "
        "g.at, g.team FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::timestamptz[], "
        f"%s::text[]) g(ws, d, pos, at, team) JOIN {cm} m ON m.workspace_id = g.ws AND "
        "m.merged_contact_id = g.d "
        "UNION SELECT r.ws, r.d, m.primary_contact_id, r.pos, r.at, r.team FROM reach r "
        f"JOIN {cm} m ON m.workspace_id = r.ws AND m.merged_contact_id = r.a), "
        f"counts(ws, a, team, n) AS (SELECT r.ws, r.a, r.team, -count(*) FROM reach r "
        f"JOIN {me} x ON (x.workspace_id, x.primary_id, x.occurred_at, x.position, "
        "x.subject_id) = (r.ws, r.a, r.at, r.pos, r.d) GROUP BY 1, 2, 3) "
        f"{_BADGE_UPSERT.format(badges=badges)} "
        "RETURNING workspace_id, subject_id, team_id, count",
        (ws, ids, positions, at, teams),
    )
    # no row for nothing (as the projector's own counts): a rebuild would have none
    emptied = [(w, a, t) for w, a, t, n in await found.fetchall() if n == 0]
    if emptied:
        await cur.execute(
            f"DELETE FROM {badges} WHERE count = 0 AND subject_type = 'contact' AND "
            "(workspace_id, subject_id, team_id) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]))",
            [list(column) for column in zip(*emptied, strict=True)],
        )
