"""Chronicle's services as separate processes, as `chronicle up` runs them, and probes of
how far each has got (the checkpoints the benchmark waits on, never sleeps)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import nats
import psycopg
from nats.js.errors import NotFoundError

from adapters import bus
from adapters.eventstore import EVENTS_TABLE
from adapters.settings import Settings
from projections.registry import PROJECTIONS, projection
from services.hosted.run import migrate
from services.hosted.supervisor import Supervisor, service_commands
from services.ingest.service import DURABLE


def tracking_query() -> str:
    """The least position over every read model: what is visible everywhere."""
    parts = [f"SELECT position FROM {projection(n).schema}.tracking" for n in PROJECTIONS]
    return f"SELECT min(position) FROM ({' UNION ALL '.join(parts)}) AS t"


class Services:
    """Some of Chronicle's services (`ingest`, `relay`, `projectors`, `api`)."""

    def __init__(
        self, database_url: str, nats_url: str, names: list[str], data_dir: Path, api_port: int
    ) -> None:
        self.settings = Settings(database_url=database_url, nats_url=nats_url, data_dir=data_dir)
        env = {
            "CHRONICLE_DATABASE_URL": database_url,
            "CHRONICLE_NATS_URL": nats_url,
            "CHRONICLE_DATA_DIR": str(data_dir),
            "CHRONICLE_API_PORT": str(api_port),
            "CHRONICLE_LOG_FORMAT": "json",
            "CHRONICLE_LOG_LEVEL": "warning",
        }
        self.supervisor = Supervisor(env, log_dir=data_dir / "logs")
        every = service_commands()
        self.supervisor.commands = {n: every[n] for n in names}
        self.api = f"http://127.0.0.1:{api_port}"

    def __enter__(self) -> Services:
        migrate(self.settings)
        self.supervisor.start()
        return self

    def __exit__(self, *exc) -> None:
        self.supervisor.stop()

    def pids(self) -> list[int]:
        return [p.pid for p in self.supervisor.processes.values()]

    def named_pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.supervisor.processes.items()}

    def died(self) -> list[str]:
        return [n for n, p in self.supervisor.processes.items() if p.poll() is not None]

    def check_alive(self) -> None:
        if dead := self.died():
            logs = self.supervisor.log_dir
            raise SystemExit(f"service(s) {', '.join(dead)} exited; see {logs}")


async def wait_for_consumers(nats_url: str, durables: list[str], within: float = 60) -> None:
    """Until each durable consumer exists: its service is up and consuming."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    deadline = time.monotonic() + within
    try:
        for durable in durables:
            stream = bus.INGEST_STREAM if durable == DURABLE else bus.EVENTS_STREAM
            while True:
                try:
                    await js.consumer_info(stream, durable)
                    break
                except NotFoundError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"consumer {durable} never appeared") from None
                    await asyncio.sleep(0.05)
    finally:
        await nc.close()


class Probe:
    """Where the pipeline is: events stored, least read-model position, ingest backlog."""

    def __init__(self, database_url: str, nats_url: str) -> None:
        self.database_url, self.nats_url = database_url, nats_url
        self._tracking = tracking_query()

    async def __aenter__(self) -> Probe:
        self.db = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
        self.nc = await nats.connect(self.nats_url)
        self.js = self.nc.jetstream()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.db.close()
        await self.nc.close()

    async def stored(self) -> int:
        row = await (
            await self.db.execute(f"SELECT max(notification_id) FROM {EVENTS_TABLE}")
        ).fetchone()
        return row[0] or 0

    async def visible(self) -> int:
        row = await (await self.db.execute(self._tracking)).fetchone()
        return row[0] or 0

    async def stages(self) -> dict[str, int]:
        """How far each stage has got: the store, the relay, each read model."""
        parts = [f"SELECT 'store', max(notification_id) FROM {EVENTS_TABLE}"]
        parts.append("SELECT 'relay', max(position) FROM relay_position")
        parts += [
            f"SELECT '{n}', max(position) FROM {projection(n).schema}.tracking" for n in PROJECTIONS
        ]
        rows = await (await self.db.execute(" UNION ALL ".join(parts))).fetchall()
        return {name: position or 0 for name, position in rows}

    async def ingest_backlog(self) -> int:
        info = await self.js.consumer_info(bus.INGEST_STREAM, DURABLE)
        return info.num_pending + info.num_ack_pending
