"""How every Chronicle service is hosted: a FastStream app around four lifecycle hooks."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

import nats.errors
import psycopg
import structlog
from eventsourcing.persistence import PersistenceError
from faststream import FastStream
from faststream.nats import NatsBroker
from nats.aio.client import Client

from adapters import bus, metrics
from adapters.eventstore import reads
from adapters.hosting.ops_endpoint import OpsEndpoint
from adapters.retry import retry

log = structlog.get_logger()
# What a service waits out at start: PostgreSQL or NATS not there yet (or restarting).
TRANSIENT = (psycopg.OperationalError, PersistenceError, nats.errors.Error, OSError, TimeoutError)


class HostedService:
    """A service with a FastStream NATS broker and four hooks around its start and stop.

    `chronicle run` hosts it as a FastStream app (signals, lifecycle); tests and the
    in-process stack call `start()` / `stop()`, which run the same hooks in the same order.

    The broker's connection is the process's only one (`nc`, named after the service): it
    is opened before `prepare` (which may need the streams), reused by the broker's start,
    and lent to everything else that talks to NATS (pull consumers, the relay's
    publishing, the mail services' requests); the broker drains it on stop.
    """

    broker: NatsBroker
    nc: Client | None = None  # the broker's connection, once `prepare_patiently` opened it
    watchdog: Watchdog | None = None  # made by `begin`, when it got that far
    PREPARE_PATIENCE = 600.0  # seconds a service waits at start for PostgreSQL and NATS

    async def prepare_patiently(self) -> None:
        """`prepare`, again and again while PostgreSQL or NATS is not there yet (being
        started or restarted): a service started in that moment waits instead of dying."""

        async def once() -> None:
            self.nc = await self.broker.connect()  # the one it starts with, later
            await self.prepare()

        await retry(
            once,
            on=TRANSIENT,
            what="service.waiting",
            within=self.PREPARE_PATIENCE,
            service=type(self).__name__,
        )

    async def prepare(self) -> None:
        """Before the broker starts (its connection, `nc`, is open): databases, streams."""

    async def begin(self) -> None:
        """After the broker started: consumers, loops."""

    async def finish(self) -> None:
        """Before the broker stops."""

    async def close(self) -> None:
        """After the broker stopped."""

    async def start(self) -> None:
        await self.prepare_patiently()
        await self.broker.start()
        await self.begin()
        await self.open_endpoint()

    async def stop(self) -> None:
        await self.close_endpoint()
        await self.finish()
        await self.broker.stop()
        await self.close()

    def app(self) -> FastStream:
        return FastStream(
            self.broker,
            logger=None,
            on_startup=[self.prepare_patiently],
            after_startup=[self.begin, self.open_endpoint],
            on_shutdown=[self.close_endpoint, self.finish],
            after_shutdown=[self.close],
        )

    def health(self) -> dict:
        """What GET /health of this process answers: its watchdog's last look."""
        watchdog = getattr(self, "watchdog", None)
        state = watchdog.state if watchdog else {"status": "starting"}
        return {"service": watchdog.name if watchdog else type(self).__name__, **state}

    async def open_endpoint(self) -> None:
        """/health and /metrics on CHRONICLE_METRICS_PORT, when it is set."""
        settings = getattr(self, "settings", None)
        if settings is None or settings.metrics_port is None:
            return

        watchdog = getattr(self, "watchdog", None)
        metrics.build_info(watchdog.name.split(".")[0] if watchdog else type(self).__name__)
        self.endpoint = OpsEndpoint(settings.metrics_host, settings.metrics_port, self.health)
        await self.endpoint.start()

    async def close_endpoint(self) -> None:
        if getattr(self, "endpoint", None):
            await self.endpoint.stop()


def broker(url: str, name: str) -> NatsBroker:
    """A service's broker; `name` names its connection on the server (`/connz`)."""
    return NatsBroker(
        bus.servers(url),
        name=name,
        logger=None,
        error_cb=bus.complain,
        **bus.CONNECTION_OPTIONS,
    )


class Watchdog:
    """Logs a consumer that is behind (`<name>.lagging`) and one that is behind without
    making progress for `stuck_after` seconds (`<name>.stuck`, a warning). A probe that
    finds the consumer *ahead* of the store (negative `behind`: it took a position the
    store does not have) makes the state `ahead_of_store`, an error, never lag 0."""

    def __init__(
        self,
        name: str,
        probe: Callable[[], Awaitable[tuple[int, int]]],
        interval: float,
        stuck_after: float,
    ) -> None:
        self.name, self.probe = name, probe
        self.interval, self.stuck_after = interval, stuck_after
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.state: dict = {"status": "starting"}

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._watch(), name=f"watchdog-{self.name}")

    async def stop(self) -> None:
        self._stop.set()
        if self._task:
            await self._task

    async def _watch(self) -> None:
        last, since = None, time.monotonic()
        first = True
        while not self._stop.is_set():
            if not first:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.interval)
                    return
            first = False
            try:
                progress, behind = await self.probe()
            except Exception as error:  # a probe that fails is itself worth a line
                log.warning(f"{self.name}.probe_failed", error=repr(error))
                self.state = {**self.state, "status": "probe_failed", "error": repr(error)}
                continue
            if progress != last:
                last, since = progress, time.monotonic()
            if behind < 0:
                self.state = {"status": "ahead_of_store", "progress": progress, "ahead": -behind}
                log.error(f"{self.name}.ahead_of_store", ahead=-behind, progress=progress)
                continue
            idle = time.monotonic() - since
            stuck = bool(behind) and idle > self.stuck_after
            self.state = {
                "status": "stuck" if stuck else "ok",
                "progress": progress,
                "behind": behind,
                "seconds_without_progress": round(idle, 1),
            }
            if behind and idle > self.stuck_after:
                log.warning(
                    f"{self.name}.stuck",
                    behind=behind,
                    progress=progress,
                    seconds_without_progress=round(idle, 1),
                )
            elif behind:
                log.info(f"{self.name}.lagging", behind=behind, progress=progress)


async def events_after(database_url: str, position: int) -> int:
    """How many stored events a consumer at `position` has still to take."""

    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        return (await reads.count_after(conn, position))[0]
