"""A record's live timeline: entries in the order their events were stored.

A contact's stream includes every contact merged into it. Entries of a merged contact
that were recorded before the merge appear at the merge's position (group), in their
own order, just before the merge entry; later ones at their own position.
"""

from __future__ import annotations

from psycopg import AsyncConnection

from domain.contact import Contact
from projections.shared.reading import Scope, rows
from projections.shared.streams import Item, Stream, StreamPosition
from projections.timeline.queries import E_COLUMNS, TimelineQueries, entry
from projections.timeline.tables import CONTACT_MERGES, ENTRIES, SCHEMA

MERGED_INTO = Contact.MergedInto.TOPIC.rsplit(".", 1)[0]
# one row per stream read together: (n, record, position group, tiebreak position, subject)
STREAMS = (
    "WITH RECURSIVE s(n, root, g, tp, ts) AS (SELECT * FROM "
    "unnest(%s::int[], %s::text[], %s::bigint[], %s::bigint[], %s::text[])), "
)
# (stream, contact, the position from which it belongs to the timeline), merged included
MERGED = (
    "ids(n, id, since) AS (SELECT n, root, 0::bigint FROM s UNION "
    "SELECT ids.n, m.merged_contact_id, greatest(ids.since, coalesce((SELECT max(x.position) "
    f"FROM {ENTRIES} x WHERE x.workspace_id = m.workspace_id AND "
    "x.subject_type = 'contact' AND x.subject_id = m.merged_contact_id AND "
    f"x.type = '{MERGED_INTO}'), 0)) FROM {CONTACT_MERGES} m JOIN ids "
    "ON m.workspace_id = %s AND m.primary_contact_id = ids.id) "
)
ALONE = "ids(n, id, since) AS (SELECT n, root, 0::bigint FROM s) "
VISIBLE_AT = "greatest(e.position, ids.since)"
AFTER = (  # the stream's position: after group g, or inside it after (tp, ts)
    f"({VISIBLE_AT} > s.g OR (s.tp IS NOT NULL AND {VISIBLE_AT} = s.g AND "
    "(e.position, e.subject_id) > (s.tp, s.ts)))"
)
# Whom to wake: the records that got entries, and every contact they were merged into,
# however indirectly (a contact's stream includes its merged contacts').
CHANGES = (
    "WITH RECURSIVE up(ws, st, sid) AS (SELECT DISTINCT workspace_id, subject_type, "
    f"subject_id FROM {ENTRIES} WHERE position > %s AND position <= %s UNION "
    f"SELECT m.workspace_id, 'contact', m.primary_contact_id FROM {CONTACT_MERGES} m "
    "JOIN up ON up.st = 'contact' AND m.workspace_id = up.ws AND m.merged_contact_id = up.sid) "
    "SELECT ws, st, sid FROM up"
)


class TimelineStream(Stream):
    schema = SCHEMA
    tiebreak = (int, str)  # the entry's own position, then its subject

    def __init__(
        self,
        scope: Scope,
        subject_type: str,
        subject_id: str,
        *,
        types: list[str],
        categories: list[str],
        text: str | None,
        include_deleted: bool,
    ) -> None:
        super().__init__(scope)
        self.subject_type, self.subject_id = subject_type, subject_id
        self.filter = dict(
            types=types, categories=categories, text=text, include_deleted=include_deleted
        )

    def describe(self) -> tuple[str, str]:
        return (self.subject_type, self.subject_id)

    async def visible(self, conn: AsyncConnection) -> bool:
        queries = TimelineQueries(conn, self.scope)
        subjects = await queries.subjects(self.subject_type, self.subject_id)
        return await queries.exists(self.subject_type, subjects)

    def batch_key(self) -> tuple:
        f = self.filter
        return (
            TimelineStream,
            self.scope.view_key(),
            self.subject_type,
            tuple(f["types"]),
            tuple(f["categories"]),
            f["text"],
            f["include_deleted"],
        )

    @classmethod
    async def read_many(
        cls, conn: AsyncConnection, requests: list[tuple[Stream, StreamPosition]], limit: int
    ) -> list[list[Item]]:
        first: TimelineStream = requests[0][0]  # type: ignore[assignment]
        where, params = TimelineQueries(conn, first.scope).filters(**first.filter, alias="e")
        merged = first.subject_type == "contact"
        inside = [p.within or (None, None) for _, p in requests]
        found = await rows(
            conn,
            STREAMS
            + (MERGED if merged else ALONE)
            + f"SELECT s.n, r.* FROM s CROSS JOIN LATERAL (SELECT {VISIBLE_AT} AS visible_at, "
            f"e.subject_id, {E_COLUMNS} FROM ids JOIN {ENTRIES} e ON "
            f"e.subject_id = ids.id WHERE ids.n = s.n AND {where} AND e.subject_type = %s "
            # lets the primary key find only new rows of contacts merged long ago
            "AND e.position >= CASE WHEN ids.since >= s.g THEN 0 ELSE s.g END "
            f"AND {AFTER} ORDER BY visible_at, e.position, e.subject_id LIMIT %s) r "
            "ORDER BY s.n, r.visible_at, r.position, r.subject_id",
            (
                list(range(len(requests))),
                [stream.subject_id for stream, _ in requests],  # type: ignore[attr-defined]
                [position.group for _, position in requests],
                [tp for tp, _ in inside],
                [ts for _, ts in inside],
                *([first.workspace_id] if merged else []),
                *params,
                first.subject_type,
                limit,
            ),
        )
        items: list[list[Item]] = [[] for _ in requests]
        for r in found:
            data = entry(first.scope, r).model_dump_json()
            items[r["n"]].append(
                Item(r["visible_at"], (r["position"], r["subject_id"]), "entry", data)
            )
        return items

    def key(self) -> tuple:
        return (self.workspace_id, self.subject_type, self.subject_id)

    @classmethod
    async def changes(
        cls, conn: AsyncConnection, after: int, upto: int, workspaces: frozenset[str] | None
    ) -> set[tuple] | None:
        return {(r["ws"], r["st"], r["sid"]) for r in await rows(conn, CHANGES, (after, upto))}
