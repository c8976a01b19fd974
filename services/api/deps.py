"""FastAPI dependencies: a pooled connection, the authenticated caller, and their Scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import AsyncConnection

from adapters.eventstore.connection import NO_JIT
from projections.shared import cursor as cursors
from projections.shared import paging
from services.api.problems import Problem
from services.api.scope import Scope
from services.api.tokens import SELECT_PRINCIPAL, Principal, token_hash


def session(statement_timeout: float) -> dict[str, Any]:
    """How the API's pooled connections are made. A query that runs away is cancelled
    after `statement_timeout` seconds, not left to hold a pooled connection. No JIT: the
    API's statements read at most thousands of rows through indexes, which compiling
    never pays back, yet a plan's cost can pass `jit_above_cost` (a communication report
    whose arm for another zone is never executed was compiled for 15 ms of its 29).
    """
    timeout = f"-c statement_timeout={int(statement_timeout * 1000)}"
    return {"autocommit": True, "options": f"{timeout} {NO_JIT}"}


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
    row = await (
        await conn.execute(SELECT_PRINCIPAL, (token_hash(credentials.credentials),))
    ).fetchone()
    if row is None:
        raise unauthorized
    workspace_id, user_id, role, teams, email_access = row
    return Principal(workspace_id, user_id, role, tuple(teams), email_access)


async def scope(request: Request, caller: Annotated[Principal, Depends(principal)]) -> Scope:
    route = getattr(request.scope.get("route"), "path", request.url.path)
    cursors.bind(caller.workspace_id, caller.user_id, route)
    paging.bind(str(request.url))
    return Scope(caller)


CallerScope = Annotated[Scope, Depends(scope)]


# Every error is an RFC 9457 problem (services/api/problems.py rewrites the document's
# error responses to say so); routes name their errors' statuses with this model.
ErrorOut = Problem


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorOut,
        "description": "A cursor this API did not return, or a body that is not JSON",
    },
    401: {"model": ErrorOut, "description": "Missing, wrong or revoked bearer token"},
    404: {
        "model": ErrorOut,
        "description": "No such record in the token's workspace (or not visible to it)",
    },
}


async def no_nul(request: Request) -> None:
    """PostgreSQL text cannot hold NUL characters, and no id or search needs one."""
    values = [*request.path_params.values(), *request.query_params.values()]
    if any("\x00" in value for value in values if isinstance(value, str)):
        raise HTTPException(400, "the request must not contain NUL characters")


def not_found(what: str, ident: str) -> HTTPException:
    """Another workspace's record, or one the caller may not see, looks like no record."""
    return HTTPException(404, f"{what} {ident!r} not found")
