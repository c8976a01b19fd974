"""Health. To anyone, up or down only (`GET /health`); to operators, on the process's ops
endpoint (CHRONICLE_METRICS_HOST:PORT), the store's head position and how far the relay
and each read model are behind: that is every tenant's activity, never shown to callers
of the API."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from psycopg.errors import UndefinedColumn, UndefinedTable
from pydantic import BaseModel, Field

from adapters.eventstore import reads
from projections.engine.source import projection_lag
from projections.registry import PROJECTIONS, projection
from services.api.deps import Conn
from services.api.models import ConsumerHealth, Health, LiveHealth

router = APIRouter(tags=["operations"])


async def _lag(conn, position: int, head: int) -> int:
    """Events stored after `position` (positions have gaps: they are counted, not subtracted)."""
    if position >= head:
        return 0
    return (await reads.count_after(conn, position))[0]


async def _consumer(
    conn,
    sql: str,
    params: tuple,
    head: int,
    stuck_after: float,
    read_model=None,
    counted: bool = True,
) -> ConsumerHealth:
    try:
        row = await (await conn.execute(sql, params)).fetchone()
    except (UndefinedTable, UndefinedColumn):  # its service has not started (or upgraded)
        row = None
    position, updated_at = row if row else (0, None)
    if not counted and (read_model is None or not row or None in await read_model.watermarks(conn)):
        # behind or not, from the positions alone: counting the events after a position
        # reads them all (seconds for a consumer 10M events behind)
        lag = int(position < head)
    elif row and read_model is not None and position < head:  # partitions count their own
        lag = (await projection_lag(conn, read_model))[0]
    else:
        lag = await _lag(conn, position, head)
    idle = (datetime.now(UTC) - updated_at).total_seconds() if updated_at else float("inf")
    return ConsumerHealth(
        position=position,
        lag_events=lag,
        last_progress_at=updated_at,
        stuck=lag > 0 and idle > stuck_after,
        ahead_of_store=position > head,
    )


class Status(BaseModel):
    status: str = Field(description="ok, degraded, or error (503)")


@router.get(
    "/health",
    response_model=Status,
    summary="Up or down (details: the ops endpoint)",
    responses={503: {"model": Status, "description": "A consumer is beyond the store's head"}},
)
async def health(conn: Conn, request: Request, response: Response) -> Status:
    report = await health_report(conn, request.app.state, counted=False)
    if report.status == "error":
        response.status_code = 503
    return Status(status=report.status)


@router.get("/livez", response_model=Status, summary="The process answers (liveness)")
async def livez() -> Status:
    return Status(status="alive")


@router.get(
    "/readyz",
    response_model=Status,
    summary="Ready to serve: the store answers and nothing is stuck (readiness)",
    responses={503: {"model": Status, "description": "Not ready: degraded, or an error"}},
)
async def readyz(conn: Conn, request: Request, response: Response) -> Status:
    report = await health_report(conn, request.app.state, counted=False)
    if report.status != "ok":
        response.status_code = 503
        return Status(status=report.status)
    return Status(status="ready")


async def health_report(conn, state, counted: bool = True) -> Health:
    """Every consumer's position and lag, and this process's live streams. Not `counted`
    (the public /health and /readyz, which say only up or down): an unpartitioned
    consumer's lag is 1 when it is behind, not the number of events it has still to read."""
    stuck_after = state.settings.stuck_after
    head = 0
    if await reads.exists(conn):  # else a store nothing has migrated yet
        head = await reads.head(conn)
    relay = await _consumer(
        conn,
        "SELECT position, updated_at FROM relay_position WHERE name = 'events'",
        (),
        head,
        stuck_after,
        counted=counted,
    )
    projections = {
        name: await _consumer(
            conn,
            projection(name).progress_sql(),
            (name,),
            head,
            stuck_after,
            projection(name),
            counted,
        )
        for name in PROJECTIONS
    }
    stuck = relay.stuck or any(p.stuck for p in projections.values())
    ahead = relay.ahead_of_store or any(p.ahead_of_store for p in projections.values())
    hub = state.live
    live = LiveHealth(
        subscribers=hub.subscribers,
        listening=hub.watcher.listening,
        announcements=hub.watcher.announcements,
        cycles=hub.cycles,
        reads=state.live_reader.queries,
        reading=state.live_reader.waiting,
    )
    return Health(
        status="error" if ahead else "degraded" if stuck else "ok",
        store_position=head,
        relay=relay,
        projections=projections,
        live=live,
    )
