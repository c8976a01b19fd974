"""The FastAPI application: authentication, scoping and the read endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.eventstore import EVENTS_TABLE
from adapters.settings import Settings, get_settings
from projections.registry import PROJECTIONS
from services.api.models import AuditTrailPage, Health, ProjectionHealth, TimelinePage
from services.api.queries import ReadModels
from services.api.tokens import SELECT_PRINCIPAL, Principal, token_hash

_bearer = HTTPBearer(auto_error=False, description="A token from `chronicle token create`")


async def connection(request: Request) -> AsyncIterator[AsyncConnection]:
    async with request.app.state.pool.connection() as conn:
        yield conn


Conn = Annotated[AsyncConnection, Depends(connection)]


async def principal(
    conn: Conn, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    unauthorized = HTTPException(
        401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
    )
    if credentials is None:
        raise unauthorized
    cur = await conn.execute(SELECT_PRINCIPAL, (token_hash(credentials.credentials),))
    row = await cur.fetchone()
    if row is None:
        raise unauthorized
    workspace_id, user_id, role, teams = row
    return Principal(workspace_id, user_id, role, tuple(teams))


async def read_models(conn: Conn, caller: Annotated[Principal, Depends(principal)]) -> ReadModels:
    return ReadModels(conn, caller)


Reads = Annotated[ReadModels, Depends(read_models)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = AsyncConnectionPool(
            settings.database_url, min_size=1, max_size=10, open=False, kwargs={"autocommit": True}
        )
        await pool.open()
        app.state.pool = pool
        yield
        await pool.close()

    app = FastAPI(
        title="Chronicle",
        version="0.1.0",
        lifespan=lifespan,
        description="Read models of Chronicle, the audit backend for conversations.",
    )

    @app.get(
        "/v1/contacts/{contact_id}/timeline",
        response_model=TimelinePage,
        summary="A contact's timeline, newest first",
    )
    async def timeline(
        contact_id: str,
        reads: Reads,
        limit: Annotated[int, Query(ge=1, le=100, description="Entries per page")] = 10,
        cursor: Annotated[str | None, Query(description="`next_cursor` of the page before")] = None,
        type: Annotated[list[str], Query(description="Only these event types")] = [],  # noqa: B006
    ) -> TimelinePage:
        page = await reads.timeline(contact_id, limit, cursor, type)
        if page is None:
            raise HTTPException(404, f"contact {contact_id!r} not found")
        return page

    @app.get(
        "/v1/conversations/{conversation_id}/audit-trail",
        response_model=AuditTrailPage,
        summary="Every event of a conversation, oldest first",
    )
    async def audit_trail(
        conversation_id: str,
        reads: Reads,
        limit: Annotated[int, Query(ge=1, le=1000, description="Entries per page")] = 100,
        cursor: Annotated[str | None, Query(description="`next_cursor` of the page before")] = None,
    ) -> AuditTrailPage:
        page = await reads.audit_trail(conversation_id, limit, cursor)
        if page is None:
            raise HTTPException(404, f"conversation {conversation_id!r} not found")
        return page

    @app.get("/health", response_model=Health, summary="Store position and projection lag")
    async def health(conn: Conn) -> Health:
        store = (
            await (
                await conn.execute(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}")
            ).fetchone()
        )[0]
        projections = {}
        for name in PROJECTIONS:
            cur = await conn.execute(
                f"SELECT position FROM rm_{name}.tracking WHERE projection = %s", (name,)
            )
            row = await cur.fetchone()
            position = row[0] if row else 0
            projections[name] = ProjectionHealth(
                position=position, lag_events=max(store - position, 0)
            )
        return Health(status="ok", store_position=store, projections=projections)

    return app
