"""`chronicle up` keeps its processes going without burning the machine: a service that
fails at start is restarted after a growing pause and given up on after a few failures in
a row (then `up` stops and says why); its private nats-server, when it dies, is started
again on the same port with the same data."""

from __future__ import annotations

import time

import pytest

from adapters.embedded import NatsServer, Servers, free_port
from services.cli.stack import _trouble
from services.hosted.supervisor import Supervisor

pytestmark = pytest.mark.integration


class Quick(Supervisor):
    FIRST_DELAY = 0.05
    MAX_DELAY = 0.2
    MAX_QUICK_FAILURES = 3


def test_a_service_that_keeps_failing_is_restarted_after_pauses_then_given_up_on(tmp_path):
    supervisor = Quick({"CHRONICLE_DATABASE_URL": "", "CHRONICLE_NATS_URL": ""}, tmp_path)
    supervisor.commands = {"relay": ["run", "relay"]}  # no servers configured: exits at once
    supervisor.start()
    deadline = time.monotonic() + 60
    pauses = []
    try:
        while not supervisor.gave_up and time.monotonic() < deadline:
            supervisor.watch()
            if supervisor.due:
                pauses.append(round(supervisor.due["relay"] - time.monotonic(), 2))
            time.sleep(0.02)  # ok-sleep: `chronicle up`'s watch() tick; waits on gave_up
    finally:
        supervisor.stop()
    assert supervisor.gave_up == {"relay"}
    assert supervisor.restarts == 2  # started, failed, restarted twice, then no more
    assert pauses and max(pauses) > 0  # each restart waited its turn
    assert "set CHRONICLE_DATABASE_URL" in (tmp_path / "relay.log").read_text()


def test_chronicle_up_starts_its_nats_server_again_when_it_dies(settings, tmp_path):
    server = NatsServer.start(tmp_path / "nats", free_port())
    servers = Servers(settings.database_url, server.url, server)
    supervisor = Supervisor({}, tmp_path)
    try:
        server.kill()
        assert _trouble(servers, supervisor) is None  # not a reason to stop: restarted
        assert server.process.poll() is None
    finally:
        server.stop()
    supervisor.gave_up.add("ingest")
    assert "ingest kept failing" in _trouble(servers, supervisor)
