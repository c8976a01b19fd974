"""The whole pipeline in this process: ingest, relay, projectors and the HTTP API."""

from __future__ import annotations

import asyncio

import httpx
import psycopg
import uvicorn

from adapters.embedded import free_port
from adapters.settings import Settings
from projections.registry import PROJECTIONS, projection
from services.api.app import create_app
from services.api.tokens import create_token
from services.ingest.service import IngestService
from services.projector import ProjectorHost
from services.relay import Relay
from tests.support.waiting import until


class Stack:
    def __init__(self, settings: Settings, projections: list[str] | None = None) -> None:
        """`projections`: only these read models (default: all)."""
        self.settings = settings.model_copy(update={"api_port": free_port()})
        self.ops_port = free_port()  # the API's ops endpoint; the services here open none
        self.ingest = IngestService(self.settings)
        self.relay = Relay(self.settings)
        self.names = projections or list(PROJECTIONS)
        self.projectors = ProjectorHost(
            self.settings, [projection(n) for n in self.names], list(PROJECTIONS)
        )
        self.url = f"http://127.0.0.1:{self.settings.api_port}"

    async def __aenter__(self) -> Stack:
        await self.ingest.start()
        await self.relay.start()
        await self.projectors.start()
        config = uvicorn.Config(
            create_app(self.api_settings),
            host="127.0.0.1",
            port=self.settings.api_port,
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self._api = asyncio.create_task(self.server.serve())
        await until(self._api_up, what="the API")
        return self

    async def _api_up(self) -> bool:
        return self.server.started

    async def __aexit__(self, *exc) -> None:
        self.server.should_exit = True
        await self._api
        # Together: each consumer may wait out its current fetch (a second) before it stops.
        await asyncio.gather(self.projectors.stop(), self.relay.stop(), self.ingest.stop())

    def token(
        self,
        workspace: str,
        role: str = "admin",
        user: str = "u_17",
        teams: tuple[str, ...] = (),
        email_access: bool | None = None,
    ) -> str:
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            return create_token(conn, workspace, user, role, teams, email_access=email_access)

    def client(self, token: str | None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=10)

    @property
    def api_settings(self) -> Settings:
        """The settings the API runs with (a test may change `settings` before the start)."""
        return self.settings.model_copy(update={"metrics_port": self.ops_port})

    @property
    def ops(self) -> str:
        """The API process's ops endpoint: /health with every consumer's lag, /metrics."""
        return f"http://127.0.0.1:{self.ops_port}"

    async def health(self) -> dict:
        async with httpx.AsyncClient(base_url=self.ops) as client:
            return (await client.get("/health")).json()

    async def settled(self) -> bool:
        """Every ingested message has an outcome and every projection is at the store's head."""
        from chronicle_tools.demo.run import ingest_backlog

        if await ingest_backlog(self.settings.nats_url):
            return False
        health = await self.health()
        return all(health["projections"][name]["lag_events"] == 0 for name in self.names)
