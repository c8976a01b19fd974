"""Health: the store's head position and each projection's position and lag."""

from __future__ import annotations

from fastapi import APIRouter
from psycopg.errors import UndefinedTable

from adapters.eventstore import EVENTS_TABLE
from projections.registry import PROJECTIONS
from services.api.deps import Conn
from services.api.models import Health, ProjectionHealth

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health, summary="Store position and projection lag")
async def health(conn: Conn) -> Health:
    cur = await conn.execute(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}")
    store = (await cur.fetchone())[0]
    projections = {}
    for name in PROJECTIONS:
        try:
            cur = await conn.execute(
                f"SELECT position FROM rm_{name}.tracking WHERE projection = %s", (name,)
            )
            row = await cur.fetchone()
        except UndefinedTable:  # its projector has not started yet
            row = None
        position = row[0] if row else 0
        projections[name] = ProjectionHealth(position=position, lag_events=max(store - position, 0))
    return Health(status="ok", store_position=store, projections=projections)
