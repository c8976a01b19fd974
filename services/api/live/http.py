"""What every live endpoint shares: the caller, the stream's start, the SSE response."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from sse_starlette import EventSourceResponse

from projections.shared.streams import BadPosition, Stream, StreamPosition
from services.api.deps import _bearer, not_found, principal
from services.api.live.feed import feed
from services.api.scope import Scope
from services.api.tokens import token_hash

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
    429: {"description": "The token, or its workspace, has its maximum of live streams open"},
    503: {"description": "The API process already serves its maximum of live subscribers"},
}


async def respond(
    request: Request, stream: Stream, last_event_id: str | None, after: str | None
) -> EventSourceResponse:
    state, settings = request.app.state, request.app.state.settings
    stream.token_hash = request.state.token_hash
    async with state.pool.connection() as conn:
        if not await stream.visible(conn):
            raise not_found(*stream.describe())
        given = last_event_id or after
        try:
            start = (
                StreamPosition.parse(given, stream.tiebreak) if given else await stream.head(conn)
            )
        except BadPosition as bad:
            raise HTTPException(400, detail=str(bad)) from None
    refused = state.live.refusal(stream)
    if refused:
        raise HTTPException(refused[0], f"{refused[1]}; retry later")
    events = feed(state.live, state.live_reader, stream, start, retry_ms=RETRY_MS)
    return EventSourceResponse(
        events,
        ping=settings.live_heartbeat,
        send_timeout=settings.live_send_timeout,
        headers={"Cache-Control": "no-store"},
    )
