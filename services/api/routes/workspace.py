"""The caller's workspace: its settings (time zone) and the history of their changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from projections.workspace.queries import WorkspaceQueries
from services.api.deps import ERRORS, CallerScope, Conn
from services.api.report_models import HistoryEntry, HistoryPage, WorkspaceOut

router = APIRouter(tags=["workspace"], responses=ERRORS)


@router.get("/v1/workspace", response_model=WorkspaceOut, summary="The workspace's settings")
async def workspace(conn: Conn, scope: CallerScope) -> WorkspaceOut:
    settings = await WorkspaceQueries(conn, scope).settings()
    return WorkspaceOut(
        workspace_id=scope.workspace_id,
        time_zone=settings["time_zone"],
        time_zone_changed_at=settings["changed_at"],
    )


@router.get(
    "/v1/workspace/history",
    response_model=HistoryPage,
    summary="Every change of the workspace's settings, channels and users, oldest first",
)
async def history(
    conn: Conn,
    scope: CallerScope,
    limit: Annotated[int, Query(ge=1, le=1000, description="Entries per page")] = 100,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> HistoryPage:
    page, next_cursor = await WorkspaceQueries(conn, scope).history(limit, cursor)
    entries = [
        HistoryEntry(
            **{k: r[k] for k in ("position", "occurred_at", "recorded_at", "type", "summary")},
            actor={"type": r["actor_type"], "id": r["actor_id"], "name": r["actor_name"]},
            details=r["details"],
        )
        for r in page
    ]
    return HistoryPage(entries=entries, next_cursor=next_cursor)
