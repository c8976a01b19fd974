"""Start one service in this process: `chronicle run ingest|relay|projectors [NAME...]|api|...`."""

from __future__ import annotations

import asyncio

import psycopg
import structlog
import uvicorn

from adapters import bus
from adapters.migrations import migrate_store
from adapters.processes import quiet_garbage_collector
from adapters.settings import Settings
from projections.registry import PROJECTIONS, projection

log = structlog.get_logger()


def migrate(settings: Settings) -> None:
    """Create the event store, Chronicle's tables, read-model schemas and streams (with the
    admin identity on the bus), or bring them up to date."""
    migrate_store(settings.database_url)

    async def rest() -> None:
        async with await psycopg.AsyncConnection.connect(
            settings.database_url, autocommit=True
        ) as conn:
            for name in PROJECTIONS:
                await projection(name).create(conn)
        nc = await bus.connect(settings.nats_url, "chronicle-migrate")
        try:
            await bus.ensure_streams(nc.jetstream(), bus.StreamLimits.of(settings))
        finally:
            await nc.close()

    asyncio.run(rest())


def hosted_service(settings: Settings, name: str, names: list[str] | None = None):
    """The hosted service `chronicle run NAME` runs. Each is imported here, not at the
    top: a process loads only the service it runs (not the API's FastAPI and uvicorn, nor
    the mail adapters' Google client in the relay)."""
    if name == "ingest":
        from services.ingest.service import IngestService

        return IngestService(settings)
    if name == "relay":
        from services.relay import Relay

        return Relay(settings)
    if name == "projectors":
        from services.projector import ProjectorHost

        hosted = [projection(n) for n in dict.fromkeys(names or PROJECTIONS)]
        return ProjectorHost(settings, hosted, list(PROJECTIONS))
    if name == "sender":
        from services.mail.sender import Sender

        return Sender(settings)
    if name == "poller":
        from services.mail.poller import Poller

        return Poller(settings)
    raise SystemExit(f"unknown service {name!r}")


async def run_api(settings: Settings) -> None:
    from services.api.app import create_app

    config = uvicorn.Config(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level="warning",
        access_log=False,  # ours is services/api/app.py's, with route, status and request id
        log_config=None,  # uvicorn's lines go through our logging (adapters/logging.py)
    )
    quiet_garbage_collector()
    await uvicorn.Server(config).serve()


def run(settings: Settings, service: str, names: list[str] | None = None) -> None:
    if service == "api" and settings.database_url:  # the API reads the store, not the bus
        asyncio.run(run_api(settings))
        return
    if not settings.database_url or not settings.nats_url:
        raise SystemExit(
            "set CHRONICLE_DATABASE_URL and CHRONICLE_NATS_URL "
            "(or use `chronicle up`, which starts private servers)"
        )
    if service in ("ingest", "projectors", "relay"):
        # Their caches, keys and ids are a large, long-lived heap that every full
        # collection walks: with the default thresholds, 30-40 % of ingest's CPU went to
        # the collector (in-process bench batches: 164 -> 119 us of CPU per event).
        quiet_garbage_collector()
    asyncio.run(hosted_service(settings, service, names).app().run())
