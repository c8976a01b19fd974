"""Whenever `chronicle up` runs, every process it starts has its ops endpoint, even with
CHRONICLE_METRICS_PORT unset: the banner names each port, and Prometheus finds the lag
of every projection and the ingest backlog there."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx
import pytest

from adapters.embedded import free_port
from projections.registry import PROJECTIONS
from tests.support.waiting import all_ready, until

pytestmark = pytest.mark.e2e


async def test_chronicle_up_opens_every_processs_ops_endpoint_by_default(settings, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CHRONICLE_METRICS_PORT"}
    env |= {
        "CHRONICLE_DATABASE_URL": settings.database_url,
        "CHRONICLE_NATS_URL": settings.nats_url,
        "CHRONICLE_DATA_DIR": str(tmp_path),
        "CHRONICLE_API_PORT": str(free_port()),
        "CHRONICLE_BUS_KEY": settings.bus_key,
    }
    banner = tmp_path / "up.err"
    with banner.open("w") as err:
        up = subprocess.Popen(  # noqa: ASYNC220 - started once, watched through its banner
            [sys.executable, "-m", "services.cli", "up"], env=env, stderr=err, stdout=err
        )
    try:

        async def ports() -> dict[str, int]:
            line = re.search(r"Ops endpoints \(.*\): (.*)", banner.read_text())
            return line and {n: int(p) for n, p in re.findall(r"(\S+) :(\d+)", line.group(1))}

        found = await until(ports, within=60, what="the banner")
        assert {"ingest", "relay", "projectors", "api", "sender", "poller"} <= set(found)

        async def ready() -> bool:
            async with httpx.AsyncClient(timeout=2) as http:
                return await all_ready(http, found.values())

        await until(ready, within=90, what="every process to be ready")
        async with httpx.AsyncClient(timeout=5) as http:
            metrics = {
                name: (await http.get(f"http://127.0.0.1:{port}/metrics")).text
                for name, port in found.items()
            }
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=60)
    assert "chronicle_ingest_backlog_messages" in metrics["ingest"]
    for model in PROJECTIONS:
        assert (
            f'chronicle_projection_lag_events{{partition="all",projection="{model}"}}'
            in (metrics["projectors"])
        ), model
    assert "chronicle_relay_position" in metrics["relay"]
    assert all("chronicle_build_info" in text for text in metrics.values())
