"""`chronicle up`: every service as its own process, restarted if it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import structlog

from adapters.processes import die_with_parent

log = structlog.get_logger()


def service_commands(
    ingest_partitions: int = 1, projector_partitions: int = 1
) -> dict[str, list[str]]:
    if ingest_partitions > 1:
        commands = {
            f"ingest-p{i}": ["run", "ingest", "--partition", str(i)]
            for i in range(ingest_partitions)
        }
    else:
        commands = {"ingest": ["run", "ingest"]}
    commands["relay"] = ["run", "relay"]
    # One host feeds every read model (each partition its own host): each event is fetched,
    # checked and decoded once for all of them (services/projector.py).
    if projector_partitions > 1:
        for i in range(projector_partitions):
            commands[f"projectors-p{i}"] = ["run", "projectors", "--partition", str(i)]
    else:
        commands["projectors"] = ["run", "projectors"]
    commands["sender"] = ["run", "sender"]
    commands["poller"] = ["run", "poller"]
    commands["api"] = ["run", "api"]
    return commands


# The bus identity each service connects as (adapters/bus/access.py); the API needs none.
IDENTITIES = {
    "ingest": "chronicle-ingest",
    "relay": "chronicle-relay",
    "projectors": "chronicle-projectors",
    "sender": "chronicle-mail",
    "poller": "chronicle-mail",
}


def identity_of(service: str) -> str | None:
    """`ingest-p1` -> chronicle-ingest; the API (and anything unknown): None."""
    return IDENTITIES.get(service.split("-p")[0])


class Supervisor:
    FIRST_DELAY = 0.5  # seconds before restarting a service that failed quickly
    MAX_DELAY = 30.0
    STEADY = 60.0  # a service that ran this long and then exited starts over at no delay
    MAX_QUICK_FAILURES = 8  # in a row: then it is given up on, and `chronicle up` says so

    def __init__(
        self,
        env: dict[str, str],
        log_dir: Path | None = None,
        ingest_partitions: int = 1,
        projector_partitions: int = 1,
        nats_url_for: Callable[[str], str] | None = None,
    ) -> None:
        """`nats_url_for(identity)`: the bus URL, with credentials, of each service's own
        identity (unset: every service gets CHRONICLE_NATS_URL from `env`)."""
        self.nats_url_for = nats_url_for
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}
        self.restarts = 0
        self.started_at: dict[str, float] = {}
        self.failures: dict[str, int] = {}  # quick failures in a row, by service
        self.due: dict[str, float] = {}  # when an exited service is started again
        self.gave_up: set[str] = set()
        self.commands = service_commands(ingest_partitions, projector_partitions)

    def own_env(self, name: str) -> dict[str, str]:
        """Each process's own bus identity; and on one machine each process needs its own
        metrics port: the base port + its place in the list."""
        env = {}
        if self.nats_url_for is not None:
            identity = identity_of(name)
            env["CHRONICLE_NATS_URL"] = self.nats_url_for(identity) if identity else ""
        base = self.env.get("CHRONICLE_METRICS_PORT")
        if base:
            env["CHRONICLE_METRICS_PORT"] = str(int(base) + list(self.commands).index(name))
        return env

    def _spawn(self, name: str, args: list[str]) -> None:
        out = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = (self.log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "services.cli", *args],
            env={**self.env, **self.own_env(name)},
            stdout=out,
            stderr=out,
            preexec_fn=die_with_parent,
        )

    def start(self) -> None:
        for name, args in self.commands.items():
            self._spawn(name, args)
            self.started_at[name] = time.monotonic()
        log.info("supervisor.started", services=sorted(self.processes))

    def watch(self) -> None:
        """Restart any service that exited, after a back-off that doubles with each quick
        failure (a service that ran for a while starts over at the shortest); one that keeps
        failing `MAX_QUICK_FAILURES` times in a row is given up on (`gave_up`). Call
        regularly."""
        now = time.monotonic()
        for name, process in list(self.processes.items()):
            if name in self.gave_up or process.poll() is None:
                continue
            if name not in self.due:
                lived = now - self.started_at.get(name, now)
                failures = 0 if lived > self.STEADY else self.failures.get(name, 0) + 1
                self.failures[name] = failures
                if failures >= self.MAX_QUICK_FAILURES:
                    self.gave_up.add(name)
                    log.error(
                        "supervisor.gave_up",
                        service=name,
                        exit_code=process.returncode,
                        failures=failures,
                        log=str(self.log_dir / f"{name}.log") if self.log_dir else None,
                    )
                    continue
                delay = min(self.FIRST_DELAY * 2 ** max(failures - 1, 0), self.MAX_DELAY)
                self.due[name] = now + (delay if failures else 0)
                log.warning(
                    "supervisor.restart",
                    service=name,
                    exit_code=process.returncode,
                    in_seconds=round(delay if failures else 0, 1),
                )
            if now >= self.due[name]:
                del self.due[name]
                self.restarts += 1
                self._spawn(name, self.commands[name])
                self.started_at[name] = now

    def run_until(self, stop: Callable[[], bool]) -> None:
        while not stop():
            self.watch()
            time.sleep(0.5)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
