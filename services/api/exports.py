"""CSV downloads' own database connections: a small pool apart from the API's.

A download holds a connection for as long as the client takes to read it. Taken from the
API's pool, a few slow downloads would leave the API's queries none; here they take one
of `CHRONICLE_API_EXPORT_CONNECTIONS` (2) of their own, made in the API's lifespan, and a
download that finds them all in use is answered 503 with Retry-After at once. The caller
is authenticated on an API connection that is returned before the download starts. The
connection goes back once the response has been sent or the client has gone away, and
only after the CSV stream read on it is closed (its cursor and transaction ended), never
to be touched by it again.

Timeout: the export connections have the API's statement timeout
(`CHRONICLE_API_STATEMENT_TIMEOUT`): an export reads through a server-side cursor in the
order of an index, one FETCH of a few thousand rows per statement, so no statement runs
long however long the download; the timeout still stops one that does.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from adapters.settings import Settings
from services.api.deps import ErrorOut, principal, scope, session
from services.api.deps import _bearer as bearer
from services.api.scope import Scope

WAIT = 0.1  # seconds a download waits for a connection being given back
RETRY_AFTER = "5"
BUSY: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorOut,
        "description": "Every export connection is in use by other downloads: try again "
        "after Retry-After seconds",
    }
}


def pool(settings: Settings) -> AsyncConnectionPool:
    """The exports' pool, not yet open: all its connections made up front."""
    size = settings.api_export_connections
    return AsyncConnectionPool(
        settings.api_database_url or settings.database_url,
        min_size=size,
        max_size=size,
        open=False,
        name="exports",
        kwargs=session(settings.api_statement_timeout),
    )


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Scope:
    """The caller's scope, checked on an API connection given back at once."""
    async with request.app.state.pool.connection() as conn:
        who = await principal(conn, credentials)
    return await scope(request, who)


class Download:
    """One download's export connection and the stream it sends from it."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._streams: list[AsyncGenerator[str, None]] = []

    def stream(self, chunks: AsyncGenerator[str, None]) -> AsyncGenerator[str, None]:
        """`chunks` (read on `conn`), to be closed before the connection is given back."""
        self._streams.append(chunks)
        return chunks

    async def close(self) -> None:
        for chunks in self._streams:
            await chunks.aclose()  # a stream cut short ends its transaction here


async def download(request: Request) -> AsyncIterator[Download]:
    """An export connection for the whole download, or 503 when all are in use."""
    exports: AsyncConnectionPool = request.app.state.export_pool
    try:
        conn = await exports.getconn(timeout=WAIT)
    except PoolTimeout:
        raise HTTPException(
            503,
            f"all {exports.max_size} export connections are in use by other downloads: "
            f"try again in {RETRY_AFTER} seconds",
            headers={"Retry-After": RETRY_AFTER},
        ) from None
    found = Download(conn)
    try:
        yield found
    finally:
        try:
            await found.close()
        finally:
            await exports.putconn(conn)


ExportCaller = Annotated[Scope, Depends(caller)]
ExportDownload = Annotated[Download, Depends(download)]
