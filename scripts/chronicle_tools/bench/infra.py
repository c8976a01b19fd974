"""Where the benchmark runs: fresh databases and a NATS nobody else uses.

PostgreSQL: the server of CHRONICLE_DATABASE_URL if set, else the machine's on
127.0.0.1:5432 if it answers (as the tests do), else a private one (pgserver wheel). Every
phase gets a database of its own, created here and dropped afterwards, so nothing else on
the server is touched. NATS: CHRONICLE_NATS_URL if set (refused if it already carries
Chronicle's streams: the benchmark would disturb them), else a private nats-server.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nats
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from adapters import bus
from adapters.embedded import MACHINE_POSTGRES, NatsServer, answers, start_postgres


@dataclass
class Infra:
    admin_url: str
    nats_url: str
    where: str
    databases: list[str] = field(default_factory=list)

    def fresh_database(self, label: str) -> str:
        name = f"chronicle_bench_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return make_conninfo(self.admin_url, dbname=name)

    def named_database(self, name: str) -> tuple[str, bool]:
        """The database `name` (made if missing) and whether it was there already: a store
        kept by an earlier run (`--reuse`) is found again by its name. Not dropped on the
        way out."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            there = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            existed = there.fetchone() is not None
            if not existed:
                conn.execute(f'CREATE DATABASE "{name}"')
        return make_conninfo(self.admin_url, dbname=name), existed

    def drop_database(self, url: str) -> None:
        name = conninfo_to_dict(url)["dbname"]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.databases:
            self.databases.remove(name)

    def server_version(self) -> str:
        with psycopg.connect(self.admin_url) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]


async def reset_streams(nats_url: str, prefixes: tuple[str, ...] = ("AUDIT_", "BENCH_")) -> None:
    """Delete the streams a phase made, so the next starts from an empty bus."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for info in await js.streams_info():
            if info.config.name.startswith(prefixes):
                await js.delete_stream(info.config.name)
    finally:
        await nc.close()


async def _chronicle_streams(nats_url: str) -> list[str]:
    nc = await nats.connect(nats_url)
    try:
        names = [i.config.name for i in await nc.jetstream().streams_info()]
    finally:
        await nc.close()
    ours = (bus.INGEST_STREAM, bus.EVENTS_STREAM, bus.REJECTED_STREAM)
    return [n for n in names if n in ours]


@contextlib.contextmanager
def infrastructure(database_url: str | None, nats_url: str | None, keep: bool) -> Iterator[Infra]:
    """Yield an `Infra`; stop what was started here and drop the databases made (unless
    `keep`) on the way out."""
    scratch = Path(tempfile.mkdtemp(prefix="chronicle-bench-"))
    pg_server = nats_server = None
    try:
        if database_url:
            where = "CHRONICLE_DATABASE_URL"
            admin_url = make_conninfo(database_url, dbname="postgres")
        elif answers(MACHINE_POSTGRES):
            admin_url, where = MACHINE_POSTGRES, "the machine's PostgreSQL (127.0.0.1:5432)"
        else:
            pg_server, _ = start_postgres(scratch / "pgdata", dbname="postgres")
            admin_url, where = pg_server.get_uri("postgres"), "a private PostgreSQL (pgserver)"
        if nats_url:
            taken = asyncio.run(_chronicle_streams(nats_url))
            if taken:
                raise SystemExit(
                    f"NATS at {nats_url} already has Chronicle's streams ({', '.join(taken)}); "
                    "the benchmark would disturb them. Unset CHRONICLE_NATS_URL to use a "
                    "private nats-server."
                )
        else:
            nats_server = NatsServer.start(scratch / "nats")
            nats_url = nats_server.url
        infra = Infra(admin_url, nats_url, where)
        yield infra
    finally:
        if not keep and "infra" in locals():
            for name in list(infra.databases):
                infra.drop_database(make_conninfo(infra.admin_url, dbname=name))
        if nats_server:
            nats_server.stop()
        if pg_server:
            pg_server.cleanup()
        shutil.rmtree(scratch, ignore_errors=True)
