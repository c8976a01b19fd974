"""The FastAPI application: a connection pool and the routers of each read model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

from adapters.settings import Settings, get_settings
from projections.activity_grid.live import ActivityGridStream
from projections.audit_trail.live import AuditTrailStream
from projections.shared.cursor import BadCursor
from projections.timeline.live import TimelineStream
from services.api.deps import no_nul
from services.api.live.hub import LiveHub
from services.api.live.reader import Reader
from services.api.routes import (
    activity_grid,
    analytics,
    audit,
    contact_logs,
    contacts_report,
    conversations,
    emails,
    health,
    live,
    rejects,
    timeline,
    workspace,
)

ROUTERS = [timeline.router, conversations.router, activity_grid.router, health.router]
ROUTERS += [rejects.router, audit.router, emails.router, live.router]
ROUTERS += [workspace.router, contacts_report.router, contact_logs.router, analytics.router]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = AsyncConnectionPool(
            settings.api_database_url or settings.database_url,  # a read replica will do
            min_size=1,
            max_size=10,
            open=False,
            kwargs={"autocommit": True},
        )
        await pool.open()
        app.state.pool = pool
        app.state.settings = settings
        app.state.live = LiveHub(
            settings.database_url,
            pool,
            [TimelineStream, AuditTrailStream, ActivityGridStream],
            poll_interval=settings.live_poll_interval,
            max_subscribers=settings.live_max_subscribers,
        )
        app.state.live_reader = Reader(pool, limit=settings.live_batch + 1)
        await app.state.live.start()
        yield
        await app.state.live.stop()
        await pool.close()

    app = FastAPI(
        title="Chronicle",
        version="0.1.0",
        lifespan=lifespan,
        description="Read models of Chronicle, the audit backend for conversations. "
        "Every call needs `Authorization: Bearer <token>` (except /health) and sees "
        "only its token's workspace.",
    )
    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(no_nul)])

    observe(app)

    @app.exception_handler(BadCursor)
    async def bad_cursor(request: Request, error: BadCursor) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)

    @app.exception_handler(psycopg.DataError)
    async def bad_input(request: Request, error: psycopg.DataError) -> JSONResponse:
        # A value PostgreSQL cannot take: the caller's input, not our failure.
        return JSONResponse({"detail": f"invalid input: {error}"}, status_code=400)

    return app


def observe(app: FastAPI) -> None:
    """Every request's latency, by route template, on GET /metrics (Prometheus)."""
    import time

    from fastapi.responses import Response

    from adapters import metrics

    @app.middleware("http")
    async def timed(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        metrics.HTTP_LATENCY.labels(
            request.method, getattr(route, "path", "unmatched"), str(response.status_code)
        ).observe(time.perf_counter() - started)
        return response

    async def exposition(request: Request) -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    app.add_route("/metrics", exposition, include_in_schema=False)
