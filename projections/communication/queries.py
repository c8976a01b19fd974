"""Communication analytics of a contact or a team, from the pre-aggregated tables (the
routes: GET /v1/analytics/contacts/{id}, /v1/analytics/teams/{id},
services/api/routes/analytics.py); charts.py makes the report's sections."""

from __future__ import annotations

from psycopg import AsyncConnection

from projections.communication.tables import CONTACTS, RESPONSES, TEAMS, VOLUME
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
            f"WITH RECURSIVE ids(id) AS (SELECT %s::text UNION SELECT c.contact_id FROM "
            f"{CONTACTS} c JOIN ids ON c.workspace_id = %s AND c.merged_into = ids.id) "
            "SELECT id FROM ids",
            (contact_id, ws),
        )
        includes = sorted(r["id"] for r in merged)
        if self.scope.team_limited and not await self._visible(includes):
            return None
        return {**found[0], "includes": includes}

    async def _visible(self, contact_ids: list[str]) -> bool:
        """Has any of these contacts a row the caller may see?"""
        if await TimelineQueries(self.conn, self.scope).exists("contact", contact_ids):
            return True
        where, params = self.scope.where()
        found = await rows(
            self.conn,
            f"SELECT 1 FROM {VOLUME} WHERE {where} AND subject_type = 'contact' "
            "AND subject_id = ANY(%s) LIMIT 1",
            (*params, contact_ids),
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

    def _where(self, subject_type: str, ids: list[str], r: ReportRange, channels: list[str]):
        where, params = self.scope.where()
        where += " AND subject_type = %s AND subject_id = ANY(%s) AND bucket >= %s AND bucket < %s"
        params += [subject_type, ids, r.start, r.end]
        if channels:
            where += " AND channel = ANY(%s)"
            params.append(channels)
        return where, params

    async def volume(
        self, subject_type: str, ids: list[str], r: ReportRange, period: str, channels: list[str]
    ) -> list[dict]:
        """(kind, direction, channel, period start, n) in the range."""
        where, params = self._where(subject_type, ids, r, channels)
        return await rows(
            self.conn,
            "SELECT kind, direction, channel, date_trunc(%s, bucket AT TIME ZONE %s)::date "
            f"AS period, sum(count)::bigint AS n FROM {VOLUME} WHERE {where} "
            "GROUP BY 1, 2, 3, 4",
            (period, r.time_zone, *params),
        )

    async def responses(
        self, subject_type: str, ids: list[str], r: ReportRange, channels: list[str]
    ) -> list[dict]:
        """(kind, bin, n, total_ms) in the range."""
        where, params = self._where(subject_type, ids, r, channels)
        return await rows(
            self.conn,
            "SELECT kind, bin, sum(count)::bigint AS n, sum(total_ms)::bigint AS total_ms "
            f"FROM {RESPONSES} WHERE {where} GROUP BY 1, 2",
            params,
        )
