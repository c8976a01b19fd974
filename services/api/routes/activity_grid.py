"""The activity grid: every activity of the workspace, filtered like seed 002's grid."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from projections.activity_grid.queries import ActivityRow, GridFilter, GridQueries
from projections.shared.paging import Paged
from services.api.deps import ERRORS, CallerScope, Conn

router = APIRouter(tags=["activities"], responses=ERRORS)


class ActivityPage(Paged):
    activities: list[ActivityRow]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


def _many(what: str) -> object:
    return Query(description=f"Only these {what} (repeatable)")


@router.get(
    "/v1/activities", response_model=ActivityPage, summary="The activity grid, keyset-paged by time"
)
async def activities(
    conn: Conn,
    scope: CallerScope,
    type: Annotated[list[str], _many("activity types")] = [],  # noqa: B006
    agent: Annotated[list[str], _many("agents (user ids)")] = [],  # noqa: B006
    source: Annotated[list[str], _many("sources")] = [],  # noqa: B006
    contact: Annotated[
        str | None,
        Query(max_length=200, description=("Contact name contains this (case-insensitive)")),
    ] = None,
    lead: Annotated[
        str | None, Query(max_length=200, description=("Lead name contains this"))
    ] = None,
    account: Annotated[
        str | None, Query(max_length=200, description=("Account name contains this"))
    ] = None,
    summary: Annotated[
        str | None, Query(max_length=200, description=("Summary contains this"))
    ] = None,
    direction: Annotated[
        Literal["inbound", "outbound"] | None, Query(description="inbound or outbound")
    ] = None,
    created_from: Annotated[
        datetime | None,
        Query(alias="from", description=("Created at or after this time (ISO 8601 with a zone)")),
    ] = None,
    created_to: Annotated[
        datetime | None,
        Query(alias="to", description=("Created at or before this time (ISO 8601 with a zone)")),
    ] = None,
    order: Annotated[
        Literal["newest", "oldest"],
        Query(description=("Sort by time: newest first (default) or oldest first")),
    ] = "newest",
    limit: Annotated[int, Query(ge=1, le=500, description="Rows per page")] = 50,
    cursor: Annotated[
        str | None,
        Query(description=("`next_cursor` of the previous page (same filters and order)")),
    ] = None,
) -> ActivityPage:
    grid_filter = GridFilter(
        type, agent, source, contact, lead, account, summary, direction, created_from, created_to
    )
    page, next_cursor = await GridQueries(conn, scope).page(
        grid_filter, limit=limit, cursor=cursor, newest_first=order == "newest"
    )
    return ActivityPage(activities=[ActivityRow(**r) for r in page], next_cursor=next_cursor)
