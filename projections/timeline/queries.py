"""Timeline and badge queries (the routes: services/api/routes/timeline.py)."""

from __future__ import annotations

from datetime import datetime

from psycopg import AsyncConnection

from projections.shared import cursor as cursors
from projections.shared.answers import ActorOut, SourceOut
from projections.shared.reading import Scope, like, rows
from projections.shared.visibility import entry_channels, entry_channels_sql, is_email, is_email_sql
from projections.timeline.answers import TimelineEntry, TimelinePage
from projections.timeline.rows import NOT_COUNTED, UNCOUNTED_TYPE
from projections.timeline.tables import BADGES, CONTACT_MERGES, ENTRIES

COLUMNS = ENTRIES.names(
    "position", "category", "source_type", "source_id", "link_type", "link_id", "occurred_at",
    "recorded_at", "type", "summary", "actor_type", "actor_id", "actor_name", "team_id",
    "details", "channel",
)  # fmt: skip
COUNTED = (  # as the projector counts a badge (rows.py)
    f"category NOT IN ({', '.join(repr(c) for c in NOT_COUNTED)}) AND type <> '{UNCOUNTED_TYPE}'"
)


def email_content(alias: str = "") -> str:
    """The email rule (shared/visibility.py) over entries: an email's, or an entry of a
    conversation, message or interaction on the email channel."""
    e = f"{alias}." if alias else ""
    return is_email_sql(f"{e}category", f"{e}channel", *entry_channels_sql(alias))


def entry(scope: Scope, r: dict) -> TimelineEntry:
    email = is_email(r["category"], r["channel"], *entry_channels(r["type"], r["details"]))
    summary, details = scope.redact(email, r["summary"], r["details"])
    return TimelineEntry(
        position=r["position"],
        occurred_at=r["occurred_at"],
        recorded_at=r["recorded_at"],
        type=r["type"],
        category=r["category"],
        summary=summary,
        details=details,
        team_id=r["team_id"],
        actor=ActorOut(type=r["actor_type"], id=r["actor_id"], name=r["actor_name"]),
        source=SourceOut(
            type=r["link_type"] or r["source_type"], id=r["link_id"] or r["source_id"]
        ),
    )


class TimelineQueries:
    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    async def subjects(
        self, subject_type: str, subject_id: str, as_of: datetime | None = None
    ) -> list[str]:
        """The record and, for a contact, every contact merged into it (by `as_of`, if
        given), however indirectly."""
        if subject_type != "contact":
            return [subject_id]
        found = await rows(
            self.conn,
            "WITH RECURSIVE ids(id) AS (SELECT %s::text UNION "
            f"SELECT m.merged_contact_id FROM {CONTACT_MERGES} m JOIN ids "
            "ON m.primary_contact_id = ids.id AND m.workspace_id = %s "
            "AND (%s::timestamptz IS NULL OR m.merged_at <= %s)) SELECT id FROM ids",
            (subject_id, self.scope.workspace_id, as_of, as_of),
        )
        return [r["id"] for r in found]

    def filters(
        self,
        *,
        types: list[str],
        categories: list[str],
        text: str | None,
        include_deleted: bool,
        as_of: datetime | None = None,
        alias: str = "",
    ) -> tuple[str, list]:
        """The caller's scope and the timeline filters, as SQL over ENTRIES:
        the same for a page and for a live stream."""
        e = f"{alias}." if alias else ""
        where, params = self.scope.where(alias)
        if as_of is not None:  # what the timeline showed then
            where += f" AND {e}recorded_at <= %s"
            params.append(as_of)
            if not include_deleted:
                where += f" AND ({e}deleted_at IS NULL OR {e}deleted_at > %s)"
                params.append(as_of)
        elif not include_deleted:
            where += f" AND NOT {e}deleted"
        if types:
            where += f" AND {e}type = ANY(%s)"
            params.append(types)
        if categories:
            where += f" AND {e}category = ANY(%s)"
            params.append(categories)
        if text:  # never over what the caller may not read
            where += " AND " + self.scope.text_filter(
                f"{e}search_text LIKE %s", email_content(alias)
            )
            params.append(like(text.lower()))
        return where, params

    async def page(
        self,
        subject_type: str,
        subject_id: str,
        *,
        limit: int,
        cursor: str | None,
        types: list[str],
        categories: list[str],
        text: str | None,
        include_deleted: bool,
        as_of: datetime | None = None,
    ) -> TimelinePage | None:
        subjects = await self.subjects(subject_type, subject_id, as_of)
        sql, params = self.entries_sql(
            subject_type,
            subjects,
            limit=limit,
            cursor=cursor,
            types=types,
            categories=categories,
            text=text,
            include_deleted=include_deleted,
            as_of=as_of,
        )
        found = await rows(self.conn, sql, params)
        if not found and not cursor and not await self.exists(subject_type, subjects):
            return None
        page, more = found[:limit], len(found) > limit
        last = page[-1] if page else None
        return TimelinePage(
            subject_type=subject_type,
            subject_id=subject_id,
            entries=[entry(self.scope, r) for r in page],
            next_cursor=cursors.encode(last["occurred_at"], last["position"]) if more else None,
        )

    def entries_sql(
        self,
        subject_type: str,
        subjects: list[str],
        *,
        limit: int,
        cursor: str | None,
        types: list[str],
        categories: list[str],
        text: str | None,
        include_deleted: bool,
        as_of: datetime | None = None,
    ) -> tuple[str, tuple]:
        """The statement `page` runs for these records (one entry more than `limit`)."""
        where, params = self.filters(
            types=types,
            categories=categories,
            text=None,  # below: over the record's entries as they come, newest first
            include_deleted=include_deleted,
            as_of=as_of,
        )
        where += " AND subject_type = %s AND subject_id = s.id"
        params += [subject_type]
        if cursor:
            occurred_at, position = cursors.decode(cursor, (datetime, int))
            where += " AND (occurred_at, position) < (%s, %s)"
            params += [occurred_at, position]
        matching, text_params = "", []
        if text:  # never over what the caller may not read
            # contains the text (as LIKE '%text%'), in a form whose selectivity the planner
            # does not take from the statistics (a third of the entries for any text)
            matching = "WHERE " + self.scope.text_filter(
                "strpos(search_text, %s) > 0", email_content()
            )
            text_params = [text.lower()]
        newest = "ORDER BY occurred_at DESC, position DESC"
        entries = f"SELECT {COLUMNS} FROM {ENTRIES} WHERE {where} {newest} LIMIT %s"
        if text:
            # The text filter is applied to the record's entries as they come in time
            # order (`OFFSET 0` keeps it out of the read, and no ORDER BY above it makes
            # the planner plan the read for every entry), until a page matches. Left to
            # itself, the planner, which takes any record for an average one (~60 entries
            # at 1M events), read the busiest contact's whole history (35,000 entries) and
            # sorted it whenever the filter made it expect few matches (docs/performance.md,
            # "Queries flat with store size"). PostgreSQL keeps a subquery's order through
            # a filter.
            entries = (
                f"SELECT {COLUMNS} FROM (SELECT {COLUMNS}, search_text FROM {ENTRIES} "
                f"WHERE {where} {newest} OFFSET 0) r {matching} LIMIT %s"
            )
        # Newest first per record (an index range read, however long its history), then
        # merged across the record and the contacts merged into it.
        return (
            f"SELECT e.* FROM unnest(%s::text[]) AS s(id) CROSS JOIN LATERAL ({entries}) AS e "
            "ORDER BY e.occurred_at DESC, e.position DESC LIMIT %s",
            (subjects, *params, *text_params, limit + 1, limit + 1),
        )

    async def exists(self, subject_type: str, subjects: list[str]) -> bool:
        where, params = self.scope.where()
        found = await rows(
            self.conn,
            f"SELECT 1 FROM {ENTRIES} WHERE {where} AND subject_type = %s "
            "AND subject_id = ANY(%s) LIMIT 1",
            (*params, subject_type, subjects),
        )
        return bool(found)

    async def badges(self, subject_type: str, ids: list[str]) -> dict[str, int]:
        """Activities + emails + closed interactions per record (merged contacts included).

        Counted by the projector per record, so this is one query for all the records: an
        indexed lookup per record and merged contact; for team-limited callers the count is
        taken over the entries they may see instead."""
        if not ids:
            return {}
        if self.scope.team_limited:
            where, params = self.scope.where()
            count = (
                f"SELECT count(*) AS n FROM {ENTRIES} WHERE {where} AND "
                f"subject_type = %s AND subject_id = ids.id AND NOT deleted AND {COUNTED}"
            )
        else:
            where, params = self.scope.where(team_column=None)
            count = (
                f"SELECT coalesce(sum(count), 0) AS n FROM {BADGES} WHERE {where} "
                "AND subject_type = %s AND subject_id = ids.id"
            )
        # each record with the contacts merged into it, however indirectly (as `subjects`)
        merged = (
            f"UNION SELECT ids.root, m.merged_contact_id FROM {CONTACT_MERGES} m "
            "JOIN ids ON m.primary_contact_id = ids.id AND m.workspace_id = %s"
            if subject_type == "contact"
            else ""
        )
        found = await rows(
            self.conn,
            f"WITH RECURSIVE ids(root, id) AS (SELECT r, r FROM unnest(%s::text[]) r {merged}) "
            f"SELECT ids.root, sum(c.n)::bigint AS n FROM ids CROSS JOIN LATERAL ({count}) c "
            "GROUP BY ids.root",
            (
                ids,
                *((self.scope.workspace_id,) if merged else ()),
                *params,
                subject_type,
            ),
        )
        counts = {r["root"]: int(r["n"]) for r in found}
        return {subject_id: counts.get(subject_id, 0) for subject_id in ids}
