"""Live feeds over Server-Sent Events: a record's timeline, a conversation's audit trail,
the workspace's activity grid. Same filters and access rules as the read endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from sse_starlette import EventSourceResponse

from services.api.deps import ERRORS, _bearer, not_found, principal
from services.api.live.activity_grid import ActivityGridStream
from services.api.live.audit_trail import AuditTrailStream
from services.api.live.feed import feed
from services.api.live.streams import Stream, StreamPosition
from services.api.live.timeline import TimelineStream
from services.api.queries.activity_grid import GridFilter
from services.api.routes.timeline import Categories, Deleted, SubjectId, Text, Types
from services.api.scope import Scope
from services.api.tokens import token_hash

router = APIRouter(tags=["live"], responses=ERRORS)
RETRY_MS = 1000


async def live_scope(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Scope:
    """The caller's scope, with the pooled connection given back at once: a stream may
    last for hours and must not hold one (the hub checks its token meanwhile)."""
    async with request.app.state.pool.connection() as conn:
        scope = Scope(await principal(conn, credentials))
    request.state.token_hash = token_hash(credentials.credentials)  # a valid one, by now
    return scope


CallerScope = Annotated[Scope, Depends(live_scope)]

LastEventId = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID",
        description="The `id` of the last event received: resume right after it "
        "(sent by EventSource clients on reconnect; wins over `after`)",
    ),
]
After = Annotated[
    str | None,
    Query(
        max_length=300,
        description="Start after this stream position (an event `id`, or an entry's "
        "`position` from a read page); default: from now",
    ),
]
STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "An endless event stream: `ready`, then one event per item (see "
        "docs/live.md); `: ping` comments keep the connection alive",
    },
    503: {"description": "The API process already serves its maximum of live subscribers"},
}


async def _respond(
    request: Request, stream: Stream, last_event_id: str | None, after: str | None
) -> EventSourceResponse:
    state, settings = request.app.state, request.app.state.settings
    stream.token_hash = request.state.token_hash
    async with state.pool.connection() as conn:
        if not await stream.visible(conn):
            raise not_found(*stream.describe())
        given = last_event_id or after
        start = StreamPosition.parse(given, stream.tiebreak) if given else await stream.head(conn)
    if state.live.subscribers >= state.live.max_subscribers:
        raise HTTPException(503, "too many live subscribers, retry later")
    events = feed(state.live, state.live_reader, stream, start, retry_ms=RETRY_MS)
    return EventSourceResponse(
        events,
        ping=settings.live_heartbeat,
        send_timeout=settings.live_send_timeout,
        headers={"Cache-Control": "no-store"},
    )


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
        return await _respond(request, stream, last_event_id, after)

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
    return await _respond(request, stream, last_event_id, after)


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
    return await _respond(request, ActivityGridStream(scope, grid_filter), last_event_id, after)
