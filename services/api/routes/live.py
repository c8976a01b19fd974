"""Live feeds over Server-Sent Events: a record's timeline, a conversation's audit trail,
the workspace's activity grid. Same filters and access rules as the read endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from sse_starlette import EventSourceResponse

from projections.activity_grid.live import ActivityGridStream
from projections.activity_grid.queries import GridFilter
from projections.audit_trail.live import AuditTrailStream
from projections.timeline.live import TimelineStream
from services.api.deps import ERRORS
from services.api.live.http import STREAM, After, CallerScope, LastEventId, respond
from services.api.routes.timeline import Categories, Deleted, SubjectId, Text, Types

router = APIRouter(tags=["live"], responses=ERRORS)


def _timeline_route(subject_type: str):
    async def live_timeline(
        request: Request,
        scope: CallerScope,
        subject_id: SubjectId,
        type: Types = [],  # noqa: B006
        category: Categories = [],  # noqa: B006
        q: Text = None,
        include_deleted: Deleted = False,
        after: After = None,
        last_event_id: LastEventId = None,
    ) -> EventSourceResponse:
        stream = TimelineStream(
            scope,
            subject_type,
            subject_id,
            types=type,
            categories=category,
            text=q,
            include_deleted=include_deleted,
        )
        return await respond(request, stream, last_event_id, after)

    return live_timeline


for _subject in ("contact", "lead", "account"):
    router.add_api_route(
        f"/v1/{_subject}s/{{subject_id}}/timeline/live",
        _timeline_route(_subject),
        methods=["GET"],
        response_class=EventSourceResponse,
        responses=STREAM,
        summary=f"A {_subject}'s timeline, pushed live (Server-Sent Events)",
        description="Entries in the order their events were stored, each as it is "
        "committed to the read model; `Last-Event-ID` resumes without gaps or repeats."
        + (" Includes contacts merged into this one." if _subject == "contact" else ""),
        operation_id=f"{_subject}_timeline_live",
    )


@router.get(
    "/v1/conversations/{conversation_id}/audit-trail/live",
    response_class=EventSourceResponse,
    responses=STREAM,
    summary="A conversation's audit trail, pushed live (Server-Sent Events)",
)
async def live_audit_trail(
    request: Request,
    scope: CallerScope,
    conversation_id: Annotated[str, Path(description="The producer's conversation id")],
    after: After = None,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    stream = AuditTrailStream(scope, conversation_id)
    return await respond(request, stream, last_event_id, after)


def _many(what: str) -> Any:
    return Query(description=f"Only these {what} (repeatable)")


@router.get(
    "/v1/activities/live",
    response_class=EventSourceResponse,
    responses=STREAM,
    summary="The activity grid, pushed live: rows added, changed and removed",
)
async def live_activities(
    request: Request,
    scope: CallerScope,
    type: Annotated[list[str], _many("activity types")] = [],  # noqa: B006
    agent: Annotated[list[str], _many("agents (user ids)")] = [],  # noqa: B006
    source: Annotated[list[str], _many("sources")] = [],  # noqa: B006
    contact: Annotated[
        str | None, Query(max_length=200, description="Contact name contains this")
    ] = None,
    lead: Annotated[
        str | None, Query(max_length=200, description="Lead name contains this")
    ] = None,
    account: Annotated[
        str | None, Query(max_length=200, description="Account name contains this")
    ] = None,
    summary: Annotated[
        str | None, Query(max_length=200, description="Summary contains this")
    ] = None,
    direction: Annotated[
        Literal["inbound", "outbound"] | None, Query(description="inbound or outbound")
    ] = None,
    created_from: Annotated[
        datetime | None,
        Query(alias="from", description="Created at or after this time (ISO 8601 with a zone)"),
    ] = None,
    created_to: Annotated[
        datetime | None,
        Query(alias="to", description="Created at or before this time (ISO 8601 with a zone)"),
    ] = None,
    after: After = None,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    grid_filter = GridFilter(
        type, agent, source, contact, lead, account, summary, direction, created_from, created_to
    )
    return await respond(request, ActivityGridStream(scope, grid_filter), last_event_id, after)
