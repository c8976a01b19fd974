"""Activity grid queries: the filters of seed 002, keyset paging by time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection

from projections.shared import cursor as cursors
from services.api.queries import rows
from services.api.scope import Scope

COLUMNS = (
    "activity_id, position, type, contact_id, contact_name, lead_id, lead_name, "
    "account_id, account_name, summary, direction, agent_id, agent_name, source, "
    "first_message, created_at, team_id"
)


@dataclass(frozen=True)
class GridFilter:
    types: list[str]
    agents: list[str]
    sources: list[str]
    contact: str | None = None
    lead: str | None = None
    account: str | None = None
    summary: str | None = None
    direction: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class GridQueries:
    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    def filters(self, f: GridFilter) -> tuple[str, list]:
        """The caller's scope and the grid filters, as SQL over the activities table (deleted
        rows included: a page leaves them out, a live stream announces their removal)."""
        where, params = self.scope.where()
        for column, values in (("type", f.types), ("agent_id", f.agents), ("source", f.sources)):
            if len(values) == 1:  # = keeps the column's index in time order; ANY would not
                where += f" AND {column} = %s"
                params.append(values[0])
            elif values:
                where += f" AND {column} = ANY(%s)"
                params.append(values)
        for column, text in (
            ("contact_name", f.contact),
            ("lead_name", f.lead),
            ("account_name", f.account),
            ("summary", f.summary),
        ):
            if text:
                where += f" AND lower({column}) LIKE %s"
                params.append(_like(text))
        if f.direction:
            where += " AND direction = %s"
            params.append(f.direction)
        if f.created_from:
            where += " AND created_at >= %s"
            params.append(f.created_from)
        if f.created_to:
            where += " AND created_at <= %s"
            params.append(f.created_to)
        return where, params

    def redact(self, found: list[dict]) -> list[dict]:
        """Email rows without their content, unless the caller has email access."""
        if not self.scope.email_access:
            for row in found:
                if row["type"] == "email":
                    row["summary"], row["first_message"] = (
                        self.scope.redact("email", row["summary"] or "", {})[0],
                        None,
                    )
        return found

    async def page(
        self, f: GridFilter, *, limit: int, cursor: str | None, newest_first: bool
    ) -> tuple[list[dict], str | None]:
        where, params = self.filters(f)
        where += " AND NOT deleted"
        if cursor:
            created_at, position = cursors.decode(cursor, (datetime, int))
            where += f" AND (created_at, position) {'<' if newest_first else '>'} (%s, %s)"
            params += [created_at, position]
        order = "DESC" if newest_first else "ASC"
        found = await rows(
            self.conn,
            f"SELECT {COLUMNS} FROM rm_activity_grid.activities WHERE {where} "
            f"ORDER BY created_at {order}, position {order} LIMIT %s",
            (*params, limit + 1),
        )
        page, more = self.redact(found[:limit]), len(found) > limit
        last = page[-1] if page else None
        return page, (cursors.encode(last["created_at"], last["position"]) if more else None)
