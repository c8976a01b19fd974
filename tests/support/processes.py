"""Chronicle services as real processes, for tests that kill them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile

from adapters.processes import die_with_parent


class ServiceProcess:
    def __init__(self, settings, *args: str) -> None:
        self.args = args
        self.env = {
            **os.environ,
            "CHRONICLE_DATABASE_URL": settings.database_url,
            "CHRONICLE_NATS_URL": settings.nats_url,
            "CHRONICLE_LOG_FORMAT": "json",
            "CHRONICLE_STUCK_AFTER": str(settings.stuck_after),
            "CHRONICLE_WATCH_INTERVAL": str(settings.watch_interval),
            "CHRONICLE_INGEST_PARTITIONS": str(settings.ingest_partitions),
            "CHRONICLE_CHECKPOINT_INTERVAL": str(settings.checkpoint_interval),
            "CHRONICLE_DATA_DIR": str(settings.data_dir),
        }
        if settings.bus_key:
            self.env["CHRONICLE_BUS_KEY"] = settings.bus_key
        fd, self.log_path = tempfile.mkstemp(prefix="chronicle-svc-", suffix=".log")
        self.log = os.fdopen(fd, "wb")
        self.process: subprocess.Popen | None = None

    def start(self) -> ServiceProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "run", *self.args],
            env=self.env,
            stdout=self.log,
            stderr=self.log,
            preexec_fn=die_with_parent,
        )
        return self

    def kill(self) -> None:
        """kill -9: no cleanup, no goodbye."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()


class Fleet:
    """Chronicle's pipeline as `chronicle up` runs it, each service its own process: ingest,
    relay and every projector (not the API, nor the email sender and poller, which the
    email tests run; idle here, they would only slow every start)."""

    LEFT_OUT = ("api", "sender", "poller")

    def __init__(self, settings) -> None:
        from services.hosted.supervisor import service_commands

        self.settings = settings
        self.commands = {
            name: args[1:] for name, args in service_commands().items() if name not in self.LEFT_OUT
        }
        self.processes: dict[str, ServiceProcess] = {}

    def start(self) -> Fleet:
        for name in self.commands:
            self.restart(name)
        return self

    def restart(self, name: str) -> None:
        self.processes[name] = ServiceProcess(self.settings, *self.commands[name]).start()

    def kill(self, name: str) -> None:
        self.processes[name].kill()

    def revive(self) -> list[str]:
        """Start again every process that ended on its own, as `chronicle up`'s supervisor
        does (a service may give up at start when PostgreSQL or NATS stays away)."""
        ended = [n for n, p in self.processes.items() if p.process.poll() is not None]
        for name in ended:
            self.restart(name)
        return ended

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()
