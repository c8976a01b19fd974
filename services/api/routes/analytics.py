"""Communication analytics of a contact and of a team (seed 000)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from projections.communication import charts as sections
from projections.communication.queries import AnalyticsQueries
from projections.shared.report_range import ReportRange
from projections.workspace.queries import WorkspaceQueries
from services.api.analytics_models import Analytics
from services.api.deps import ERRORS, CallerScope, Conn, not_found
from services.api.routes.report_params import Range

router = APIRouter(tags=["analytics"], responses=ERRORS)
Period = Annotated[
    Literal["day", "week", "month"],
    Query(description="Group by local day, ISO week (from Monday) or calendar month"),
]
Channels = Annotated[list[str], Query(description="Only these channels (repeatable)")]


async def _report(
    conn: Conn,
    scope: CallerScope,
    subject: dict,
    r: ReportRange,
    period: str,
    channel: list[str],
) -> dict:
    queries = AnalyticsQueries(conn, scope)
    found = await queries.volume(subject["type"], subject["id"], r, period, channel)
    times = await queries.responses(subject["type"], subject["id"], r, channel)
    deleted = {c["channel"] for c in await WorkspaceQueries(conn, scope).channels() if c["deleted"]}
    periods = r.periods(period)
    return {
        "subject": subject,
        "range": r.describe(),
        "period": period,
        "interactions": sections.interactions(found, periods),
        "volume": sections.volume(found, periods),
        "channels": sections.channels(found, deleted),
        "response_times": sections.response_times(times),
    }


@router.get(
    "/v1/analytics/contacts/{contact_id}",
    response_model=Analytics,
    summary="A contact's communication: frequency, channels, response times, volume",
    description="Includes the contacts merged into this one. Agents see their teams' share.",
)
async def contact_analytics(
    conn: Conn,
    scope: CallerScope,
    contact_id: Annotated[str, Path(description="The contact's id")],
    r: Range,
    period: Period = "day",
    channel: Channels = [],  # noqa: B006
) -> dict:
    contact = await AnalyticsQueries(conn, scope).contact(contact_id)
    if contact is None:
        raise not_found("contact", contact_id)
    subject = {"type": "contact", "id": contact_id, **contact}
    return await _report(conn, scope, subject, r, period, channel)


@router.get(
    "/v1/analytics/teams/{team_id}",
    response_model=Analytics,
    summary="A team's communication: frequency, channels, response times, volume",
    description="Counted under the team that owned the conversation when it happened.",
)
async def team_analytics(
    conn: Conn,
    scope: CallerScope,
    team_id: Annotated[str, Path(description="The team's id")],
    r: Range,
    period: Period = "day",
    channel: Channels = [],  # noqa: B006
) -> dict:
    if not await AnalyticsQueries(conn, scope).team_visible(team_id):
        raise not_found("team", team_id)
    subject = {"type": "team", "id": team_id, "includes": [team_id]}
    return await _report(conn, scope, subject, r, period, channel)
