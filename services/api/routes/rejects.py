"""Rejected ingest messages of the caller's workspace, for auditors: what was refused and
why, and the input as kept (redacted after an erasure). A reject belongs to the workspace
its producer published for (the subject's), never to one its body names."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from projections.shared import cursor as cursors
from projections.shared.paging import Paged
from projections.shared.reading import rows
from services.api.deps import Conn, not_found
from services.api.routes.audit import Auditor, router_responses
from services.operate.rejects import RejectFilter, one, select, with_input

router = APIRouter(tags=["audit"], responses=router_responses)


class Reason(BaseModel):
    field: str = Field(description="The exact field path (`data.name`, `subject`, `body`)")
    problem: str = Field(description="What was wrong with it")
    rule: str | None = Field(None, description="The domain rule refused, when one was")


class RejectOut(BaseModel):
    id: int = Field(description="The reject's id (`/v1/audit/rejects/{id}`)")
    rejected_at: datetime
    workspace_id: str | None = Field(description="The workspace its subject named")
    envelope_id: str | None = Field(description="The envelope's id, when it could be read")
    type: str | None
    subject: str = Field(description="The subject it was published on")
    reasons: list[Reason]
    stream_seq: int | None = Field(description="Its sequence on the ingest stream")


class RejectDetail(RejectOut):
    payload: str = Field(description="The message body as kept (redacted after an erasure)")
    payload_encoding: Literal["utf-8", "base64"]
    headers: dict[str, str] | None
    redacted: bool = Field(description="An erasure replaced the kept body")


class RejectsPage(Paged):
    rejects: list[RejectOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


@router.get(
    "/v1/audit/rejects",
    response_model=RejectsPage,
    summary="Rejected ingest messages, newest first, with their reasons",
)
async def list_rejects(
    conn: Conn,
    scope: Auditor,
    since: Annotated[datetime | None, Query(description="Rejected at or after")] = None,
    until: Annotated[datetime | None, Query(description="Rejected at or before")] = None,
    reason: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="A reason's field or problem has this"),
    ] = None,
    field: Annotated[
        str | None, Query(min_length=1, max_length=200, description="A reason names this field")
    ] = None,
    type: Annotated[str | None, Query(max_length=100, description="The envelope type")] = None,
    envelope_id: Annotated[str | None, Query(max_length=200, description="The envelope id")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Rejects per page")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> RejectsPage:
    before = cursors.decode(cursor, (int,))[0] if cursor else None
    wanted = RejectFilter(
        scope.workspace_id, since, until, reason, field, type, envelope_id, before
    )
    sql, params = select(wanted, limit + 1)
    found = await rows(conn, sql, params)
    page, more = found[:limit], len(found) > limit
    return RejectsPage(
        rejects=[RejectOut(**r) for r in page],
        next_cursor=cursors.encode(page[-1]["id"]) if more else None,
    )


@router.get(
    "/v1/audit/rejects/{reject_id}",
    response_model=RejectDetail,
    summary="One rejected message: its reasons, subject, headers and kept input",
)
async def show_reject(
    conn: Conn,
    scope: Auditor,
    reject_id: Annotated[int, Path(description="The reject's id")],
) -> RejectDetail:
    sql, params = one(reject_id, scope.workspace_id)
    found = await rows(conn, sql, params)
    if not found:
        raise not_found("reject", str(reject_id))
    return RejectDetail(**with_input(found[0]))
