"""Contacts report queries (seed 004): counts per metric, local day, source and channel.

Without a contact filter the counts come from the pre-aggregated tables: in the zone the
workspace's days are cut in, its `day_counts` (`day_user_counts` for the user filter;
projections/shared/days.py); in any other zone, its `counts` (15-minute UTC buckets
re-cut into local days; `user_counts` for the user filter), one statement choosing. The
contact filter needs per-contact rows, so it counts the matching contacts' rows of
`logs`, bounded by those contacts. A bucket never straddles a local midnight (see
projections/shared/buckets.py), so all give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import AsyncConnection

from projections.contacts_report.tables import (
    CONTACTS,
    COUNTS,
    DAY_COUNTS,
    DAY_USER_COUNTS,
    LOGS,
    USER_COUNTS,
    ZONES,
)
from projections.shared.days import zoned as days_zoned
from projections.shared.reading import Scope, rows
from projections.shared.report_range import ReportRange

MAX_CONTACTS = 1000


@dataclass(frozen=True)
class ReportFilter:
    channels: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)

    def selected(self) -> set[str]:
        named = {
            "channel": self.channels,
            "user": self.users,
            "source": self.sources,
            "contact": self.contacts,
        }
        return {name for name, values in named.items() if values}

    def describe(self) -> dict:
        return {
            "channel": self.channels,
            "user": self.users,
            "source": self.sources,
            "contact": self.contacts,
        }


def dimensions(f: ReportFilter, contact_ids: list[str] | None, alias: str = "") -> tuple:
    """The WHERE clauses of the channel, user, source (and contact) filters, on the logs
    or the counts (the same columns)."""
    p, c = f"{alias}." if alias else "", LOGS.c
    sql, params = "", []
    for column, values in ((c.user_id, f.users), (c.source, f.sources), (c.channel, f.channels)):
        if values:
            sql += f" AND {p}{column} = ANY(%s)"
            params.append(values)
    if contact_ids is not None:
        sql += f" AND ({p}{c.contact_id} = ANY(%s) OR {p}{c.merged_contact_id} = ANY(%s))"
        params += [contact_ids, contact_ids]
    return sql, params


class ContactsReportQueries:
    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    async def contact_ids(self, values: list[str]) -> list[str]:
        """The contacts a contact filter names, by id or by name (case-insensitive), with
        every contact merged into them: their history follows the primary."""
        ws = self.scope.workspace_id
        found = await rows(
            self.conn,
            f"WITH RECURSIVE matched(id) AS (SELECT contact_id FROM {CONTACTS} "
            "WHERE workspace_id = %s AND (contact_id = ANY(%s) OR lower(name) = ANY(%s)) "
            f"UNION SELECT c.contact_id FROM {CONTACTS} c JOIN matched m "
            "ON c.workspace_id = %s AND c.merged_into = m.id) "
            "SELECT id FROM matched LIMIT %s",
            (ws, values, [v.lower() for v in values], ws, MAX_CONTACTS + 1),
        )
        return [r["id"] for r in found]

    async def counts(
        self, metrics: list[str], r: ReportRange, f: ReportFilter, contact_ids: list[str] | None
    ) -> list[dict]:
        """(metric, day, source, channel, n) for `metrics` in the range, filtered."""
        return await rows(self.conn, *self.counts_sql(metrics, r, f, contact_ids))

    def counts_sql(
        self, metrics: list[str], r: ReportRange, f: ReportFilter, contact_ids: list[str] | None
    ) -> tuple[str, tuple]:
        """The statement of `counts` and its parameters."""
        extra, extra_params = dimensions(f, contact_ids)
        where, params = self.scope.where()
        if contact_ids is None:  # the days of the workspace's zone, or the buckets re-cut
            days, table = (DAY_USER_COUNTS, USER_COUNTS) if f.users else (DAY_COUNTS, COUNTS)
            zoned = days_zoned(ZONES)
            sql = (
                f"SELECT metric, day, source, channel, sum(count)::bigint AS n FROM {days} "
                f"WHERE {zoned} AND {where} AND metric = ANY(%s) AND day >= %s AND day <= %s"
                f"{extra} GROUP BY 1, 2, 3, 4 UNION ALL "
                f"SELECT metric, (bucket AT TIME ZONE %s)::date AS day, source, channel, "
                f"sum(count)::bigint AS n FROM {table} WHERE NOT {zoned} AND {where} "
                f"AND metric = ANY(%s) AND bucket >= %s AND bucket < %s{extra} GROUP BY 1, 2, 3, 4"
            )
            zone = (self.scope.workspace_id, r.time_zone)
            return (
                sql,
                (*zone, *params, metrics, r.first_day, r.last_day, *extra_params,
                 r.time_zone, *zone, *params, metrics, r.start, r.end, *extra_params),
            )  # fmt: skip
        sql = (
            f"SELECT log AS metric, (occurred_at AT TIME ZONE %s)::date AS day, source, "
            f"channel, count(*) AS n FROM {LOGS} WHERE {where} AND log = ANY(%s) AND "
            f"occurred_at >= %s AND occurred_at < %s{extra} GROUP BY 1, 2, 3, 4"
        )
        return sql, (r.time_zone, *params, metrics, r.start, r.end, *extra_params)

    async def total(
        self, metric: str, r: ReportRange, f: ReportFilter, contact_ids: list[str] | None
    ) -> int:
        found = await self.counts([metric], r, f, contact_ids)
        return sum(row["n"] for row in found)
