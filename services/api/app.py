"""The FastAPI application: a connection pool and the routers of each read model."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI, Request
from psycopg_pool import AsyncConnectionPool

from adapters import metrics
from adapters.bus import auth as bus_auth
from adapters.hosting.ops_endpoint import OpsEndpoint
from adapters.settings import Settings, get_settings
from projections.activity_grid.live import ActivityGridStream
from projections.audit_trail.live import AuditTrailStream
from projections.shared import cursor as cursors
from projections.timeline.live import TimelineStream
from services.api import console, exports, problems
from services.api.deps import no_nul, session
from services.api.live.hub import LiveHub
from services.api.live.reader import Reader
from services.api.routes import (
    activity_grid,
    analytics,
    audit,
    audit_log,
    contact_logs,
    contacts_report,
    conversations,
    emails,
    gmail_connect,
    health,
    live,
    mailboxes,
    proofs,
    rejects,
    timeline,
    workspace,
)
from services.api.routes.health import health_report
from services.api.slashes import EncodedSlashes, slashes_back

ROUTERS = [timeline.router, conversations.router, activity_grid.router, health.router]
ROUTERS += [
    rejects.router,
    audit.router,
    audit_log.router,
    proofs.router,
    emails.router,
    live.router,
]
ROUTERS += [mailboxes.router, gmail_connect.router]
ROUTERS += [workspace.router, contacts_report.router, contact_logs.router, analytics.router]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    cursors.configure(bus_auth.load_key(settings.data_dir, settings.api_key, "api"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = AsyncConnectionPool(
            settings.api_database_url or settings.database_url,  # a read replica will do
            min_size=1,
            max_size=10,
            open=False,
            kwargs=session(settings.api_statement_timeout),
        )
        await pool.open()
        app.state.pool = pool
        app.state.export_pool = exports.pool(settings)  # CSV downloads' own (exports.py)
        await app.state.export_pool.open()
        app.state.settings = settings
        app.state.live = LiveHub(
            settings.database_url,
            pool,
            [TimelineStream, AuditTrailStream, ActivityGridStream],
            poll_interval=settings.live_poll_interval,
            max_subscribers=settings.live_max_subscribers,
            max_per_token=settings.live_max_per_token,
            max_per_workspace=settings.live_max_per_workspace,
        )
        app.state.live_reader = Reader(pool, limit=settings.live_batch + 1)
        await app.state.live.start()
        ops = await open_ops_endpoint(app, settings)
        yield
        if ops:
            await ops.stop()
        await app.state.live.stop()
        await app.state.export_pool.close()
        await pool.close()

    app = FastAPI(
        title="Chronicle",
        version="0.1.0",
        lifespan=lifespan,
        description="Read models of Chronicle, the audit backend for conversations. "
        "Every call needs `Authorization: Bearer <token>` (except /health) and sees "
        "only its token's workspace.",
        # The interactive docs load their assets from a CDN: off unless asked for.
        docs_url="/docs" if settings.api_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(slashes_back), Depends(no_nul)])
    app.add_middleware(EncodedSlashes)  # ids with a slash (services/api/slashes.py)

    observe(app)
    console.mount(app)  # the web console at /console, a client of the routes above

    problems.install(app)
    return app


def observe(app: FastAPI) -> None:
    """Every request's latency, by route template (the ops endpoint's /metrics), and an
    access log line: method, route, status, duration and request id (X-Request-ID, given
    or made, sent back)."""

    access = structlog.get_logger("access")

    @app.middleware("http")
    async def timed(request: Request, call_next):
        started = time.perf_counter()
        request_id = request.headers.get("x-request-id", "")[:100] or uuid.uuid4().hex
        request.state.request_id = request_id  # problem details quote it
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        seconds = time.perf_counter() - started
        metrics.http().labels(request.method, route, str(response.status_code)).observe(seconds)
        response.headers["X-Request-ID"] = request_id
        access.info(
            "http.request",
            method=request.method,
            route=route,
            status=response.status_code,
            duration_ms=round(seconds * 1000, 2),
            request_id=request_id,
        )
        return response


async def open_ops_endpoint(app: FastAPI, settings: Settings):
    """/health with every consumer's lag, and /metrics, for operators only: on
    CHRONICLE_METRICS_HOST:CHRONICLE_METRICS_PORT (loopback by default), not the API's port."""
    if settings.metrics_port is None:
        return None

    metrics.build_info("api")
    metrics.http()

    async def report() -> dict:
        async with app.state.pool.connection() as conn:
            found = await health_report(conn, app.state)
        return {"service": "api", **found.model_dump(mode="json")}

    endpoint = OpsEndpoint(settings.metrics_host, settings.metrics_port, report)
    await endpoint.start()
    return endpoint
