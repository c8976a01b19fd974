"""The workspace's audit log for auditors: every event, filtered by actor, type, record
and time, a page at a time (GET /v1/audit/events), and the whole log streamed as JSON
Lines in the format `chronicle export` writes and `chronicle import` reads
(GET /v1/audit/export). Role auditor (or admin) with email permission, as every audit
route: the log is shown whole or not at all."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse
from pydantic import Field

from projections.audit_log.queries import LogFilter, positions
from projections.shared import cursor as cursors
from projections.shared.paging import Paged
from services.api.deps import Conn
from services.api.exports import BUSY, ExportCaller, ExportDownload
from services.api.queries.audit import export_lines, stored_events
from services.api.routes.audit import Auditor, StoredEventOut, auditor, router_responses
from services.audit.time_travel import KINDS, aware

router = APIRouter(tags=["audit"], responses=router_responses)


class LogPage(Paged):
    events: list[StoredEventOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


def _record(record: str | None, workspace_id: str):
    if record is None:
        return None
    kind, _, ident = record.partition(":")
    if kind not in KINDS or not ident:
        known = ", ".join(f"{k}:<id>" for k in KINDS)
        raise HTTPException(400, f"record: expected one of {known}, got {record!r}")
    return KINDS[kind].id_for(workspace_id, ident)


@router.get(
    "/v1/audit/events",
    response_model=LogPage,
    summary="The workspace's audit log: every event, filtered by actor, type, record, time",
)
async def audit_log(
    conn: Conn,
    scope: Auditor,
    actor: Annotated[
        str | None, Query(max_length=200, description="Only events by this actor (its id)")
    ] = None,
    actor_type: Annotated[
        Literal["user", "customer", "system", "integration"] | None,
        Query(description="Only events by actors of this type"),
    ] = None,
    type: Annotated[
        str | None,
        Query(
            max_length=100,
            description="An event type without its version (`conversation.resolved`), "
            "or an aggregate's family (`conversation`)",
        ),
    ] = None,
    record: Annotated[
        str | None,
        Query(
            max_length=300,
            description="Only one record's events: `conversation:<id>`, "
            "`contact:<id>` or `activity:<id>`",
        ),
    ] = None,
    since: Annotated[
        datetime | None, Query(description="Recorded at or after (UTC if no zone)")
    ] = None,
    until: Annotated[
        datetime | None, Query(description="Recorded at or before (UTC if no zone)")
    ] = None,
    order: Annotated[Literal["newest", "oldest"], Query(description="Which end first")] = "newest",
    limit: Annotated[int, Query(ge=1, le=500, description="Events per page")] = 100,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> LogPage:
    beyond = None
    if cursor:
        beyond, cursor_order = cursors.decode(cursor, (int, str))
        if cursor_order != order:
            raise HTTPException(400, "cursor: it was made for the other order")
    wanted = LogFilter(
        scope.workspace_id,
        actor_id=actor,
        actor_type=actor_type,
        type=type,
        aggregate_id=_record(record, scope.workspace_id),
        since=aware(since),
        until=aware(until),
        newest_first=order == "newest",
        beyond=beyond,
    )
    found = await positions(conn, wanted, limit + 1)
    page, more = found[:limit], len(found) > limit
    events = await stored_events(conn, page)
    next_cursor = cursors.encode(page[-1], order) if more else None
    return LogPage(events=[StoredEventOut(**e) for e in events], next_cursor=next_cursor)


@router.get(
    "/v1/audit/export",
    summary="The workspace's whole log as JSON Lines, streamed (what chronicle import reads)",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/x-ndjson": {}},
            "description": "One stored event per line, oldest first, with its chain link",
        },
        **BUSY,
    },
)
async def export(caller: ExportCaller, download: ExportDownload) -> StreamingResponse:
    # On an export connection of its own (services/api/exports.py), never the API's.
    workspace_id = auditor(caller).workspace_id
    return StreamingResponse(
        download.stream(export_lines(download.conn, workspace_id)),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="chronicle-{workspace_id}.jsonl"'},
    )
