"""A service's own `/health` and `/metrics`, for ingest, relay and projectors running as
their own processes (the HTTP API serves both itself). Served by uvicorn inside the
service's event loop, on CHRONICLE_METRICS_HOST:CHRONICLE_METRICS_PORT."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.metrics import exposition


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # the service's host (FastStream) owns the signals
        yield


class OpsEndpoint:
    """GET /health: the service's state as JSON (503 when stuck); GET /metrics."""

    def __init__(self, host: str, port: int, health: Callable[[], dict | Awaitable[dict]]) -> None:
        self.host, self.port, self.health = host, port, health
        self._server: _Server | None = None
        self._task: asyncio.Task | None = None

    def _app(self) -> Starlette:
        async def health(request: Request) -> JSONResponse:
            state = self.health()
            if inspect.isawaitable(state):
                state = await state
            failing = state["status"] in ("stuck", "ahead_of_store", "error")
            return JSONResponse(state, status_code=503 if failing else 200)

        async def metrics(request: Request) -> Response:
            body, content_type = exposition()
            return Response(body, media_type=content_type)

        async def livez(request: Request) -> JSONResponse:
            """The process answers: its event loop runs (a supervisor restarts it if not)."""
            return JSONResponse({"status": "alive"})

        async def readyz(request: Request) -> JSONResponse:
            """It does its work: started, and its watchdog sees it keeping up (not starting,
            stuck, degraded, ahead of the store or unable to look)."""
            state = self.health()
            if inspect.isawaitable(state):
                state = await state
            ready = state["status"] == "ok"
            return JSONResponse(
                {"status": "ready" if ready else state["status"]}, status_code=200 if ready else 503
            )

        return Starlette(
            routes=[
                Route("/health", health),
                Route("/metrics", metrics),
                Route("/livez", livez),
                Route("/readyz", readyz),
            ]
        )

    async def start(self) -> None:
        config = uvicorn.Config(
            self._app(),
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(), name="ops-endpoint")
        while not self._server.started:
            if self._task.done():  # could not bind: say so instead of waiting forever
                await self._task
                raise RuntimeError(f"ops endpoint did not start on {self.host}:{self.port}")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
            await self._task
