"""Activity grid queries: the filters of seed 002, keyset paging by time (the routes:
GET /v1/activities, services/api/routes/activity_grid.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from pydantic import BaseModel, Field

from projections.activity_grid.tables import ACTIVITIES
from projections.shared import cursor as cursors
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


def contains(column: str) -> str:
    """`column` (lowered) contains the parameter (lowered text): as LIKE '%text%', but an
    expression whose selectivity the planner does not estimate from the statistics (it
    takes a third of the rows for any text): page_sql."""
    return f"strpos(lower({column}), %s) > 0"


def matches(column: str) -> str:
    """`column` (lowered) matches the parameter, a LIKE pattern (reading.like)."""
    return f"lower({column}) LIKE %s"


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
        where, params = self.exact(f)
        text, text_params = self.substrings(f, matches, like)
        return (f"{where} AND {text}" if text else where), params + text_params

    def exact(self, f: GridFilter) -> tuple[str, list]:
        """The scope and the filters an index serves (equalities, the time range)."""
        where, params = self.scope.where()
        for column, values in ((A.type, f.types), (A.agent_id, f.agents), (A.source, f.sources)):
            if len(values) == 1:  # = keeps the column's index in time order; ANY would not
                where += f" AND {column} = %s"
                params.append(values[0])
            elif values:
                where += f" AND {column} = ANY(%s)"
                params.append(values)
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

    def substrings(
        self, f: GridFilter, term: Callable[[str], str], value: Callable[[str], str]
    ) -> tuple[str, list]:
        """The substring filters ("" if none): `term(column)` with `value(text)` each."""
        terms, params = [], []
        for column, text in (
            (A.contact_name, f.contact),
            (A.lead_name, f.lead),
            (A.account_name, f.account),
        ):
            if text:
                terms.append(term(column))
                params.append(value(text.lower()))
        if f.summary:  # the summary is content: never matched where the caller may not read it
            terms.append(self.scope.text_filter(term(A.summary), EMAIL_CONTENT))
            params.append(value(f.summary.lower()))
        return " AND ".join(terms), params

    def redact(self, found: list[dict]) -> list[dict]:
        """Rows of email content without their content, unless the caller may read it."""
        for row in found:
            if not self.scope.may_read(is_email(row[A.type], row.pop(A.channel))):
                row[A.summary], row[A.first_message] = HIDDEN, None
        return found

    async def page(
        self, f: GridFilter, *, limit: int, cursor: str | None, newest_first: bool
    ) -> tuple[list[dict], str | None]:
        sql, params = self.page_sql(f, limit=limit, cursor=cursor, newest_first=newest_first)
        found = await rows(self.conn, sql, params)
        page, more = self.redact(found[:limit]), len(found) > limit
        last = page[-1] if page else None
        return page, (cursors.encode(last["created_at"], last["position"]) if more else None)

    def page_sql(
        self, f: GridFilter, *, limit: int, cursor: str | None, newest_first: bool
    ) -> tuple[str, list]:
        """The statement `page` runs (one row more than `limit`: is there a next page?)."""
        where, params = self.exact(f)
        where += " AND NOT deleted"
        if cursor:
            created_at, position = cursors.decode(cursor, (datetime, int))
            where += f" AND (created_at, position) {'<' if newest_first else '>'} (%s, %s)"
            params += [created_at, position]
        order = "DESC" if newest_first else "ASC"
        newest = f"ORDER BY created_at {order}, position {order}"
        text, text_params = self.substrings(f, contains, str)
        if not text:  # the time-ordered index, read until the page is full
            return (
                f"SELECT {COLUMNS} FROM {ACTIVITIES} WHERE {where} {newest} LIMIT %s",
                [*params, limit + 1],
            )
        # A substring filter is applied to the rows as they come in time order (`OFFSET 0`
        # keeps it out of the read, and no ORDER BY above it makes the planner plan the
        # read for every row): the page is the first matches down the time-ordered index.
        # The filter is `contains`, whose selectivity the planner does not take from the
        # statistics: told that a pattern matches a handful of rows, it planned to read
        # them all, the workspace sorted (64 ms at 1M events instead of 2.5).
        # Left to itself, the planner read every match of the workspace through the
        # trigram index and sorted them whenever its estimates made a page of matches look
        # far away: so it did in every call once the statement was prepared (psycopg
        # prepares one run five times, and PostgreSQL then plans it without its values):
        # docs/performance.md, "Queries flat with store size". PostgreSQL keeps a
        # subquery's order through a filter.
        return (
            f"SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM {ACTIVITIES} WHERE {where} "
            f"{newest} OFFSET 0) a WHERE {text} LIMIT %s",
            [*params, *text_params, limit + 1],
        )
