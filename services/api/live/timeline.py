"""A record's live timeline: entries in the order their events were stored.

A contact's stream includes every contact merged into it. Entries of a merged contact
that were recorded before the merge appear at the merge's position (group), in their
own order, just before the merge entry; later ones at their own position.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from services.api.live.streams import Item, Stream, StreamPosition
from services.api.queries import rows
from services.api.queries.timeline import COLUMNS, TimelineQueries, entry
from services.api.scope import Scope

E_COLUMNS = ", ".join(f"e.{column.strip()}" for column in COLUMNS.split(","))
# (contact, the position from which it belongs to the timeline), merged ones included
MERGED = (
    "WITH RECURSIVE ids(id, since) AS (SELECT %s::text, 0::bigint UNION "
    "SELECT m.merged_contact_id, greatest(ids.since, coalesce((SELECT max(x.position) "
    "FROM rm_timeline.entries x WHERE x.workspace_id = m.workspace_id AND "
    "x.subject_type = 'contact' AND x.subject_id = m.merged_contact_id AND "
    "x.type = 'contact.merged_into'), 0)) FROM rm_timeline.contact_merges m JOIN ids "
    "ON m.workspace_id = %s AND m.primary_contact_id = ids.id) "
)
ALONE = "WITH ids(id, since) AS (SELECT %s::text, 0::bigint) "
# Whom to wake: a stream whose contacts have rows after its position, or whose contact
# has gained a merged contact it does not know yet (every known one but the first is
# merged into another known one, so a complete set has exactly one merge row less).
PROBE = (
    "SELECT s.i FROM unnest(%s::int[], %s::text[], %s::text[], %s::jsonb[], %s::bigint[]) "
    "AS s(i, ws, st, subjects, floor) WHERE EXISTS (SELECT 1 FROM "
    "jsonb_array_elements_text(s.subjects) AS k(sid) JOIN rm_timeline.entries e ON "
    "e.workspace_id = s.ws AND e.subject_type = s.st AND e.subject_id = k.sid AND "
    "e.position > s.floor) OR (s.st = 'contact' AND (SELECT count(*) FROM "
    "rm_timeline.contact_merges m WHERE m.workspace_id = s.ws AND m.primary_contact_id IN "
    "(SELECT jsonb_array_elements_text(s.subjects))) <> jsonb_array_length(s.subjects) - 1)"
)


class TimelineStream(Stream):
    schema = "rm_timeline"
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
        self.subjects = [subject_id]

    def describe(self) -> tuple[str, str]:
        return (self.subject_type, self.subject_id)

    async def visible(self, conn: AsyncConnection) -> bool:
        queries = TimelineQueries(conn, self.scope)
        self.subjects = await queries.subjects(self.subject_type, self.subject_id)
        return await queries.exists(self.subject_type, self.subjects)

    async def read(self, conn: AsyncConnection, after: StreamPosition, limit: int) -> list[Item]:
        queries = TimelineQueries(conn, self.scope)
        self.subjects = await queries.subjects(self.subject_type, self.subject_id)
        where, params = queries.filters(**self.filter, alias="e")
        visible_at = "greatest(e.position, ids.since)"
        later, later_params = after.after(visible_at, ("e.position", "e.subject_id"))
        merged = self.subject_type == "contact"
        found = await rows(
            conn,
            (MERGED if merged else ALONE)
            + f"SELECT {visible_at} AS visible_at, e.subject_id, {E_COLUMNS} "
            f"FROM ids JOIN rm_timeline.entries e ON e.subject_id = ids.id WHERE {where} "
            "AND e.subject_type = %s "
            # lets the primary key find only new rows of contacts merged long ago
            "AND e.position >= CASE WHEN ids.since >= %s THEN 0 ELSE %s END "
            f"AND {later} ORDER BY visible_at, e.position, e.subject_id LIMIT %s",
            (
                self.subject_id,
                *([self.workspace_id] if merged else []),
                *params,
                self.subject_type,
                after.group,
                after.group,
                *later_params,
                limit,
            ),
        )
        return [
            Item(
                r["visible_at"],
                (r["position"], r["subject_id"]),
                "entry",
                entry(self.scope, r).model_dump_json(),
            )
            for r in found
        ]

    def probe_key(self) -> tuple[Any, ...]:
        return (self.workspace_id, self.subject_type, tuple(self.subjects))

    @classmethod
    async def probe(cls, conn: AsyncConnection, keyed: list[tuple[int, tuple, int]]) -> set[int]:
        columns: list[list] = [[], [], [], [], []]
        for index, (workspace, subject_type, subjects), floor in keyed:
            values = (index, workspace, subject_type, Jsonb(list(subjects)), floor)
            for column, value in zip(columns, values, strict=True):
                column.append(value)
        return {r["i"] for r in await rows(conn, PROBE, columns)}
