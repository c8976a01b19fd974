"""Communication analytics of a contact or a team, from the pre-aggregated tables (the
routes: GET /v1/analytics/contacts/{id}, /v1/analytics/teams/{id},
services/api/routes/analytics.py); charts.py makes the report's sections. A report in the
zone the workspace's days are cut in reads the day tables, one in another zone the
15-minute buckets (projections/shared/days.py)."""

from __future__ import annotations

from psycopg import AsyncConnection

from projections.communication.tables import (
    CONTACTS,
    DAY_RESPONSES,
    DAY_VOLUME,
    MERGES,
    RESPONSES,
    TEAMS,
    VOLUME,
    ZONES,
)
from projections.shared.days import zoned
from projections.shared.reading import Scope, rows
from projections.shared.report_range import ReportRange
from projections.timeline.queries import TimelineQueries


class AnalyticsQueries:
    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    async def contact(self, contact_id: str) -> dict | None:
        """The contact (status, where it was merged) and every contact merged into it,
        however indirectly; None if the workspace has no such contact, or none the caller
        may see (a team-limited caller sees a contact with a row in its teams, or in none:
        on its timeline or in its communication), exactly as if there were none."""
        ws = self.scope.workspace_id
        found = await rows(
            self.conn,
            f"SELECT status, merged_into FROM {CONTACTS} WHERE workspace_id = %s "
            "AND contact_id = %s",
            (ws, contact_id),
        )
        if not found:
            seen = await rows(
                self.conn,
                f"SELECT 1 FROM {VOLUME} WHERE workspace_id = %s AND subject_type = 'contact' "
                "AND subject_id = %s LIMIT 1",
                (ws, contact_id),
            )
            if not seen:
                return None
            found = [{"status": "unknown", "merged_into": None}]
        merged = await rows(
            self.conn,
            f"SELECT merged_contact_id FROM {MERGES} WHERE workspace_id = %s AND contact_id = %s",
            (ws, contact_id),
        )
        includes = sorted([contact_id, *(r["merged_contact_id"] for r in merged)])
        if self.scope.team_limited and not await self._visible(contact_id, includes):
            return None
        return {**found[0], "includes": includes}

    async def _visible(self, contact_id: str, includes: list[str]) -> bool:
        """Has the contact, or any contact merged into it (`includes`), a row the caller
        may see? (The contact's counts hold those of its merged contacts.) The day table
        has a row wherever the buckets have one, and far fewer rows to pass over: its key
        does not lead with the team."""
        if await TimelineQueries(self.conn, self.scope).exists("contact", includes):
            return True
        where, params = self.scope.where()
        found = await rows(
            self.conn,
            f"SELECT 1 FROM {DAY_VOLUME} WHERE {where} AND subject_type = 'contact' "
            "AND subject_id = %s LIMIT 1",
            (*params, contact_id),
        )
        return bool(found)

    async def team_visible(self, team_id: str) -> bool:
        if not self.scope.may_see_team(team_id):
            return False
        where, params = self.scope.where(team_column=None)
        found = await rows(
            self.conn,
            f"SELECT 1 FROM {TEAMS} WHERE {where} AND team_id = %s",
            (*params, team_id),
        )
        return bool(found)

    def _where(
        self, subject_type: str, subject_id: str, r: ReportRange, channels: list[str], days: bool
    ) -> tuple[str, list]:
        """The rows of the subject in the range (a contact's hold those of the contacts
        merged into it): by day (the day tables, when the days of
        the workspace are cut in the range's zone) or by bucket (otherwise)."""
        where, params = self.scope.where()
        zone = [self.scope.workspace_id, r.time_zone]
        if days:
            where = f"{zoned(ZONES)} AND {where} AND day >= %s AND day <= %s"
            params = [*zone, *params, r.first_day, r.last_day]
        else:
            where = f"NOT {zoned(ZONES)} AND {where} AND bucket >= %s AND bucket < %s"
            params = [*zone, *params, r.start, r.end]
        where += " AND subject_type = %s AND subject_id = %s"
        params += [subject_type, subject_id]
        if channels:
            where += " AND channel = ANY(%s)"
            params.append(channels)
        return where, params

    async def volume(
        self, subject_type: str, subject_id: str, r: ReportRange, period: str, channels: list[str]
    ) -> list[dict]:
        """The counts in the range twice over, as the report's sections read them: per
        (kind, direction, period start), with `channel` None; and per (kind, channel), with
        `direction` and `period` None. Summed in the database, so the rows returned are
        bounded by the periods and channels, not by how many rows the range holds."""
        sql = self.volume_sql(subject_type, subject_id, r, period, channels)
        return await rows(self.conn, *sql)

    def volume_sql(
        self, subject_type: str, subject_id: str, r: ReportRange, period: str, channels: list[str]
    ) -> tuple[str, list]:
        """The statement of `volume`: one arm reads the days, the other the buckets, and
        only the one whose one-time filter holds is executed."""
        by_day, day_params = self._where(subject_type, subject_id, r, channels, days=True)
        by_bucket, bucket_params = self._where(subject_type, subject_id, r, channels, days=False)
        sets = "GROUP BY GROUPING SETS ((kind, direction, period), (kind, channel))"
        return (
            "SELECT kind, direction, channel, date_trunc(%s, day::timestamp)::date AS period, "
            f"sum(count)::bigint AS n FROM {DAY_VOLUME} WHERE {by_day} {sets} "
            "UNION ALL SELECT kind, direction, channel, "
            "date_trunc(%s, bucket AT TIME ZONE %s)::date AS period, "
            f"sum(count)::bigint AS n FROM {VOLUME} WHERE {by_bucket} {sets}",
            [period, *day_params, period, r.time_zone, *bucket_params],
        )

    async def responses(
        self, subject_type: str, subject_id: str, r: ReportRange, channels: list[str]
    ) -> list[dict]:
        """(kind, bin, n, total_ms) in the range."""
        by_day, day_params = self._where(subject_type, subject_id, r, channels, days=True)
        by_bucket, bucket_params = self._where(subject_type, subject_id, r, channels, days=False)
        sums = "sum(count)::bigint AS n, sum(total_ms)::bigint AS total_ms"
        return await rows(
            self.conn,
            f"SELECT kind, bin, {sums} FROM {DAY_RESPONSES} WHERE {by_day} GROUP BY 1, 2 "
            f"UNION ALL SELECT kind, bin, {sums} FROM {RESPONSES} WHERE {by_bucket} "
            "GROUP BY 1, 2",
            [*day_params, *bucket_params],
        )
