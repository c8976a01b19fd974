"""Activity grid queries: the filters of seed 002, keyset paging by time (the routes:
GET /v1/activities, services/api/routes/activity_grid.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from pydantic import BaseModel, Field

from projections.activity_grid.tables import ACTIVITIES, SCHEMA, TRIGRAM
from projections.shared import cursor as cursors
from projections.shared import trigram
from projections.shared.reading import Scope, like, rows
from projections.shared.visibility import HIDDEN, is_email, is_email_sql

A = ACTIVITIES.c
COLUMNS = ACTIVITIES.names(
    "activity_id", "position", "type", "contact_id", "contact_name", "lead_id", "lead_name",
    "account_id", "account_name", "summary", "direction", "agent_id", "agent_name", "source",
    "first_message", "created_at", "team_id", "channel",
)  # fmt: skip
# The email rule (shared/visibility.py) over the grid's rows: an email activity, or an
# interaction on the email channel (its type) or of a conversation on it.
EMAIL_CONTENT = is_email_sql(A.type, A.channel)


class ActivityRow(BaseModel):
    activity_id: str
    position: int
    type: str = Field(
        description="call, email, sms, whatsapp, note, meeting, task, "
        "lead_conversion, chat or ticket"
    )
    contact_id: str | None
    contact_name: str | None
    lead_id: str | None
    lead_name: str | None
    account_id: str | None
    account_name: str | None
    summary: str | None
    direction: str | None = Field(description="inbound or outbound")
    agent_id: str | None = Field(description="The user associated with the activity")
    agent_name: str | None
    source: str = Field(description="manual, interaction, external or campaign")
    first_message: str | None = Field(description="Opening message of an interaction")
    created_at: datetime = Field(description="When the activity happened")
    team_id: str | None


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


class GridQueries:
    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    def filters(self, f: GridFilter) -> tuple[str, list]:
        """The caller's scope and the grid filters, as SQL over the activities table (deleted
        rows included: a page leaves them out, a live stream announces their removal)."""
        where, params = self.scope.where()
        for column, values in ((A.type, f.types), (A.agent_id, f.agents), (A.source, f.sources)):
            if len(values) == 1:  # = keeps the column's index in time order; ANY would not
                where += f" AND {column} = %s"
                params.append(values[0])
            elif values:
                where += f" AND {column} = ANY(%s)"
                params.append(values)
        for column, text in (
            (A.contact_name, f.contact),
            (A.lead_name, f.lead),
            (A.account_name, f.account),
        ):
            if text:
                where += f" AND lower({column}) LIKE %s"
                params.append(like(text.lower()))
        if f.summary:  # the summary is content: never matched where the caller may not read it
            where += " AND " + self.scope.text_filter(f"lower({A.summary}) LIKE %s", EMAIL_CONTENT)
            params.append(like(f.summary.lower()))
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
        """Rows of email content without their content, unless the caller may read it."""
        for row in found:
            if not self.scope.may_read(is_email(row[A.type], row.pop(A.channel))):
                row[A.summary], row[A.first_message] = HIDDEN, None
        return found

    async def by_trigrams(self, f: GridFilter) -> bool:
        """Has `f` a substring filter whose trigram index exists?"""
        wanted = (
            (A.contact_name, f.contact),
            (A.lead_name, f.lead),
            (A.account_name, f.account),
            (A.summary, f.summary),
        )
        for column, text in wanted:
            if text and await trigram.indexed(self.conn, f"{SCHEMA}.{TRIGRAM[column].name}"):
                return True
        return False

    async def page(
        self, f: GridFilter, *, limit: int, cursor: str | None, newest_first: bool
    ) -> tuple[list[dict], str | None]:
        sql, params = await self.page_sql(f, limit=limit, cursor=cursor, newest_first=newest_first)
        found = await rows(self.conn, sql, params)
        page, more = self.redact(found[:limit]), len(found) > limit
        last = page[-1] if page else None
        return page, (cursors.encode(last["created_at"], last["position"]) if more else None)

    async def page_sql(
        self, f: GridFilter, *, limit: int, cursor: str | None, newest_first: bool
    ) -> tuple[str, list]:
        """The statement `page` runs (one row more than `limit`: is there a next page?)."""
        where, params = self.filters(f)
        where += " AND NOT deleted"
        if cursor:
            created_at, position = cursors.decode(cursor, (datetime, int))
            where += f" AND (created_at, position) {'<' if newest_first else '>'} (%s, %s)"
            params += [created_at, position]
        order = "DESC" if newest_first else "ASC"
        # A substring filter: its matches from the trigram index, then sorted (the ORDER BY
        # and LIMIT kept out of the subquery, so no statistics make the planner walk the
        # workspace's time order instead: shared/trigram.py). Otherwise the subquery is
        # flattened: the time-ordered index, read until the page is full.
        fence = " OFFSET 0" if await self.by_trigrams(f) else ""
        return (
            f"SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM {ACTIVITIES} WHERE {where}{fence}) a "
            f"ORDER BY created_at {order}, position {order} LIMIT %s",
            [*params, limit + 1],
        )
