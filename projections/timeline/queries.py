"""Timeline and badge queries (the routes: services/api/routes/timeline.py)."""

from __future__ import annotations

from datetime import datetime

from psycopg import AsyncConnection

from projections.shared import cursor as cursors
from projections.shared.answers import ActorOut, SourceOut
from projections.shared.reading import Scope, like, rows
from projections.shared.visibility import entry_channels, entry_channels_sql, is_email, is_email_sql
from projections.timeline.answers import TimelineEntry, TimelinePage
from projections.timeline.tables import BADGES, CONTACT_MERGES, ENTRIES, MERGED_ENTRIES

COLUMNS = ENTRIES.names(
    "position", "category", "source_type", "source_id", "link_type", "link_id", "occurred_at",
    "recorded_at", "type", "summary", "actor_type", "actor_id", "actor_name", "team_id",
    "details", "channel",
)  # fmt: skip
E_COLUMNS = ", ".join(f"e.{column.strip()}" for column in COLUMNS.split(","))
NEWEST = "ORDER BY {0}.occurred_at DESC, {0}.position DESC"


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
        sql, params = self.entries_sql(
            subject_type,
            subject_id,
            limit=limit,
            cursor=cursor,
            types=types,
            categories=categories,
            text=text,
            include_deleted=include_deleted,
            as_of=as_of,
        )
        found = await rows(self.conn, sql, params)
        if not found and not cursor:
            subjects = await self.subjects(subject_type, subject_id, as_of)
            if not await self.exists(subject_type, subjects):
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
        subject_id: str,
        *,
        limit: int,
        cursor: str | None,
        types: list[str],
        categories: list[str],
        text: str | None,
        include_deleted: bool,
        as_of: datetime | None = None,
    ) -> tuple[str, tuple]:
        """The statement `page` runs for this record (one entry more than `limit`): its own
        entries and, for a contact, those of the contacts merged into it (by `as_of`, if
        given: MERGED_ENTRIES) no older than the oldest of a full page of its own, each an
        index range read newest first, then merged."""
        where, params = self.filters(
            types=types,
            categories=categories,
            text=None,  # below: over the record's entries as they come, newest first
            include_deleted=include_deleted,
            as_of=as_of,
            alias="e",
        )
        after: dict[str, tuple[str, list]] = {"e": ("", []), "m": ("", [])}
        if cursor:
            occurred_at, position = cursors.decode(cursor, (datetime, int))
            for t in after:
                after[t] = (
                    f" AND ({t}.occurred_at, {t}.position) < (%s, %s)",
                    [occurred_at, position],
                )
        arms = [
            (
                f"SELECT {E_COLUMNS}, e.search_text FROM {ENTRIES} e WHERE {where}"
                f"{after['e'][0]} AND e.subject_type = %s AND e.subject_id = %s "
                + NEWEST.format("e"),
                [*params, *after["e"][1], subject_type, subject_id],
            )
        ]
        if subject_type == "contact":
            since, since_params = ("", []) if as_of is None else (" AND m.since <= %s", [as_of])
            arms.append(
                (
                    # each entry looked up by its whole key (a lateral subquery that is not
                    # flattened: the planner cannot scan the workspace's entries instead)
                    f"SELECT e.* FROM {MERGED_ENTRIES} m CROSS JOIN LATERAL (SELECT "
                    f"{E_COLUMNS}, e.search_text FROM {ENTRIES} e WHERE {where} AND "
                    "e.workspace_id = m.workspace_id AND e.subject_type = 'contact' AND "
                    "e.subject_id = m.subject_id AND e.occurred_at = m.occurred_at AND "
                    "e.position = m.position LIMIT 1) e "
                    f"WHERE m.workspace_id = %s AND m.primary_id = %s{since}{after['m'][0]} "
                    # none older than the oldest of a full page of its own: the page could
                    # not show them (without it, a filter the merged entries never match
                    # read all of them)
                    "AND m.occurred_at >= (SELECT coalesce(CASE WHEN count(*) > %s THEN "
                    "min(occurred_at) END, '-infinity') FROM own) " + NEWEST.format("m"),
                    [
                        *params,
                        self.scope.workspace_id,
                        subject_id,
                        *since_params,
                        *after["m"][1],
                        limit,
                    ],
                )
            )
        matching, text_params = "", []
        if text:  # never over what the caller may not read
            # contains the text (as LIKE '%text%'), in a form whose selectivity the planner
            # does not take from the statistics (a third of the entries for any text)
            matching = self.scope.text_filter("strpos(search_text, %s) > 0", email_content())
            text_params = [text.lower()]
        sql, all_params = [], []
        for arm, arm_params in arms:
            if text:
                # The text filter is applied to the record's entries as they come in time
                # order (`OFFSET 0` keeps it out of the read, and no ORDER BY above it
                # makes the planner plan the read for every entry), until a page matches.
                # Left to itself, the planner, which takes any record for an average one
                # (~60 entries at 1M events), read the busiest contact's whole history
                # (35,000 entries) and sorted it whenever the filter made it expect few
                # matches (docs/performance.md, "Queries flat with store size").
                # PostgreSQL keeps a subquery's order through a filter.
                arm = f"SELECT * FROM ({arm} OFFSET 0) r WHERE {matching}"
                arm_params = [*arm_params, *text_params]
            sql.append(f"{arm} LIMIT %s")
            all_params += [*arm_params, limit + 1]
        merged = f" UNION ALL ({sql[1]})" if len(sql) > 1 else ""
        return (
            f"WITH own AS MATERIALIZED ({sql[0]}) SELECT {COLUMNS} FROM (SELECT * FROM own"
            f"{merged}) x {NEWEST.format('x')} LIMIT %s",
            (*all_params, limit + 1),
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

        Counted by the projector per record (a contact's with its merged contacts') and
        team of the entries, so this is one indexed range per record: a caller limited to
        teams adds up the counts of its teams and of entries of no team, as it would count
        the entries it may see."""
        if not ids:
            return {}
        found = await rows(self.conn, *self.badges_sql(subject_type, ids))
        counts = {r["subject_id"]: int(r["n"]) for r in found}
        return {subject_id: counts.get(subject_id, 0) for subject_id in ids}

    def badges_sql(self, subject_type: str, ids: list[str]) -> tuple[str, tuple]:
        """The statement `badges` runs: the counts the caller may see, summed by record."""
        where, params = self.scope.where(team_column="nullif(team_id, '')")  # '': no team
        return (
            f"SELECT subject_id, sum(count)::bigint AS n FROM {BADGES} WHERE {where} "
            "AND subject_type = %s AND subject_id = ANY(%s) GROUP BY subject_id",
            (*params, subject_type, ids),
        )
