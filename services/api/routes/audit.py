"""Auditors' questions: an aggregate's state as of a time or version, its raw stored
events, and a tamper check of the workspace's chain. Role auditor (or admin) with email
permission: the log is shown whole, as stored, or not at all."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from adapters import signing
from projections.shared.answers import ActorOut
from projections.shared.paging import Paged
from services.api.deps import ERRORS, CallerScope, Conn, ErrorOut
from services.api.queries.audit import aggregate_events
from services.api.scope import Scope
from services.audit.time_travel import aware, state_at
from services.audit.verify import verify as walk

AUDITOR_ROLES = ("auditor", "admin")


def auditor(scope: CallerScope) -> Scope:
    if scope.principal.role not in AUDITOR_ROLES:
        raise HTTPException(403, "auditing needs the auditor (or admin) role")
    if not scope.principal.email_access:
        raise HTTPException(403, "auditing needs email permission: the log is shown whole")
    return scope


Auditor = Annotated[Scope, Depends(auditor)]
router_responses: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": ErrorOut, "description": "Not an auditor or admin with email permission"},
}
router = APIRouter(tags=["audit"], responses=router_responses)
Kind = Annotated[
    Literal["conversation", "contact", "activity"], Path(description="The aggregate's kind")
]
Id = Annotated[str, Path(description="The producer's id of the conversation, contact or activity")]


class LastEvent(BaseModel):
    position: int = Field(description="The last event folded in: its place in the log")
    wire_name: str
    recorded_at: datetime = Field(description="When Chronicle stored it")
    occurred_at: datetime = Field(description="When it happened (producer clock)")
    actor: ActorOut


class AggregateState(BaseModel):
    kind: str
    id: str
    version: int = Field(description="The version this state is at")
    latest_version: int = Field(description="The aggregate's version now")
    last_event: LastEvent
    state: dict[str, Any] = Field(description="The aggregate's attributes at that version")


class StoredEventOut(BaseModel):
    position: int
    aggregate_id: str
    version: int
    wire_name: str
    workspace_id: str
    recorded_at: datetime
    occurred_at: datetime
    actor: ActorOut
    team_id: str | None
    envelope_id: str
    data: dict[str, Any] = Field(description="The event's own fields, decoded")
    stored: str = Field(description="The stored bytes, exactly as hashed")
    prev: str | None = Field(description="The workspace chain's previous hash (hex)")
    hash: str | None = Field(description="This event's chain hash (hex)")


class EventsPage(Paged):
    events: list[StoredEventOut]
    next_after: int | None = Field(description="Pass as `after` for the next page")


class Problem(BaseModel):
    kind: str = Field(description="changed, reordered, missing, broken_link, truncated, ...")
    position: int
    detail: str


class VerifyReport(BaseModel):
    workspace_id: str
    events: int
    checkpoints: int = Field(description="Signed checkpoints the chain was checked against")
    signatures_checked: bool = Field(description="Whether this host knows the signing key")
    intact: bool
    problems: list[Problem] = Field(
        description="Every problem found (the first is where it breaks)"
    )


@router.get(
    "/v1/audit/{kind}/{id}/state",
    response_model=AggregateState,
    summary="An aggregate's state as of a time or a version",
)
async def state(
    conn: Conn,
    scope: Auditor,
    kind: Kind,
    id: Id,
    as_of: Annotated[
        datetime | None,
        Query(
            description="As Chronicle knew it then: events recorded by this time (UTC if no zone)"
        ),
    ] = None,
    version: Annotated[int | None, Query(ge=1, description="After this many events")] = None,
) -> AggregateState:
    if as_of is not None and version is not None:
        raise HTTPException(400, "give as_of or version, not both")
    found = await state_at(conn, kind, scope.workspace_id, id, version=version, as_of=aware(as_of))
    if found is None:
        then = f" as of {aware(as_of).isoformat()}" if as_of else ""
        raise HTTPException(404, f"{kind} {id!r} not found{then}")
    return AggregateState(**found)


@router.get(
    "/v1/audit/{kind}/{id}/events",
    response_model=EventsPage,
    summary="An aggregate's stored events, raw, with their chain links",
)
async def events(
    conn: Conn,
    scope: Auditor,
    kind: Kind,
    id: Id,
    after: Annotated[int, Query(ge=0, description="Only events after this version")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="Events per page")] = 100,
) -> EventsPage:
    found = await aggregate_events(conn, kind, scope.workspace_id, id, after, limit + 1)
    if not found and after == 0:
        raise HTTPException(404, f"{kind} {id!r} not found")
    page = found[:limit]
    more = len(found) > limit
    return EventsPage(
        events=[StoredEventOut(**e) for e in page], next_after=page[-1]["version"] if more else None
    )


@router.get(
    "/v1/audit/verify",
    response_model=VerifyReport,
    summary="Tamper check of the workspace's hash chain and signed checkpoints",
)
async def verify(scope: Auditor, request: Request) -> VerifyReport:

    settings = request.app.state.settings
    key = signing.known_public_key(settings.data_dir, settings.signing_key)
    report = await asyncio.to_thread(walk, settings.database_url, scope.workspace_id, key)
    return VerifyReport(
        workspace_id=scope.workspace_id,
        events=report.events,
        checkpoints=report.checkpoints,
        signatures_checked=key is not None,
        intact=report.intact,
        problems=[
            Problem(kind=p.kind, position=p.position, detail=p.detail) for p in report.problems
        ],
    )
