"""Contact logs (seed 004): added, connected, deleted, merged, with the seed's columns.

A response holds at most 10,000 rows and says when it was cut, with the total; the CSV
export streams every row through a server-side cursor, a few thousand rows in memory at a
time. Contact names are current (renames followed); the user is shown by name, or by id
once the user has been deleted. No CSV cell can start a spreadsheet formula (`cell`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncGenerator
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from projections.contacts_report.queries import ReportFilter, dimensions
from projections.contacts_report.tables import CONTACTS, LOGS
from projections.shared.reading import Scope, rows
from projections.shared.report_range import ReportRange
from projections.workspace.tables import USERS

MAX_ROWS = 10_000
EXPORT_BATCH = 2000
BOM = "\ufeff"  # a UTF-8 byte order mark, for spreadsheets that need one to read UTF-8
# What a spreadsheet reads as the start of a formula (OWASP, "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "timestamp",
    "local_time",
    "contact_id",
    "contact_name",
    "source",
    "user",
    "user_id",
    "channel",
    "merged_contact_id",
)


def cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a single
    quote in front (`=HYPERLINK(...)` is written `'=HYPERLINK(...)`)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def present(row: dict, zone: ZoneInfo) -> dict:
    deleted = row.pop("user_deleted")
    current, then = row.pop("current_user_name"), row.pop("user_name")
    user_id = row["user_id"]
    row["user_deleted"] = bool(deleted)
    row["user"] = user_id if deleted else (current or then or user_id)
    row["timestamp"] = row.pop("occurred_at")
    row["local_time"] = row["timestamp"].astimezone(zone)
    return row


class ContactLogQueries:
    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    def select(
        self, log: str, r: ReportRange, f: ReportFilter, contact_ids: list[str] | None
    ) -> tuple[str, list]:
        where, params = self.scope.where("l")
        extra, extra_params = dimensions(f, contact_ids, "l")
        sql = (
            "SELECT l.position, l.occurred_at, l.contact_id, k.name AS contact_name, "
            "l.merged_contact_id, l.source, l.channel, l.user_id, l.user_name, "
            "u.name AS current_user_name, u.deleted_at IS NOT NULL AS user_deleted, l.team_id "
            f"FROM {LOGS} l LEFT JOIN {CONTACTS} k ON k.workspace_id = l.workspace_id "
            f"AND k.contact_id = l.contact_id LEFT JOIN {USERS} u ON "
            "u.workspace_id = l.workspace_id AND u.user_id = l.user_id "
            f"WHERE {where} AND l.log = %s AND l.occurred_at >= %s AND l.occurred_at < %s"
            f"{extra} ORDER BY l.occurred_at DESC, l.position DESC"
        )
        return sql, [*params, log, r.start, r.end, *extra_params]

    async def page(
        self,
        log: str,
        r: ReportRange,
        f: ReportFilter,
        contact_ids: list[str] | None,
        limit: int = MAX_ROWS,
    ) -> tuple[list[dict], bool]:
        """Up to `limit` rows, newest first, and whether there were more."""
        sql, params = self.select(log, r, f, contact_ids)
        found = await rows(self.conn, f"{sql} LIMIT %s", (*params, limit + 1))
        zone = ZoneInfo(r.time_zone)
        return [present(row, zone) for row in found[:limit]], len(found) > limit


async def export_csv(
    conn: AsyncConnection, sql: str, params: list, time_zone: str, bom: bool = False
) -> AsyncGenerator[str, None]:
    """Every row of the log as CSV, read through a server-side cursor; every cell
    neutralised (`cell`), a byte order mark first if `bom`."""
    zone = ZoneInfo(time_zone)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    yield (BOM if bom else "") + out.getvalue()
    async with (
        conn.transaction(),
        conn.cursor(name="contact_log_export", row_factory=dict_row) as cur,
    ):
        await cur.execute(sql, params)
        while batch := await cur.fetchmany(EXPORT_BATCH):
            out.seek(0)
            out.truncate()
            for row in batch:
                row = present(row, zone)
                values = [
                    row["timestamp"].isoformat(),
                    row["local_time"].isoformat(),
                    *(row[c] for c in CSV_COLUMNS[2:]),
                ]
                writer.writerow([cell(v) for v in values])
            yield out.getvalue()
