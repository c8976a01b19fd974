"""Fuzz the HTTP API from its own OpenAPI document (schemathesis): no input gets a 500,
and responses match the documented schemas."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.bus import publish_all
from tests.support.scenario import read_side_scenario
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def fuzz(url: str, token: str) -> subprocess.CompletedProcess:
    examples = os.environ.get("CHRONICLE_HTTP_FUZZ_EXAMPLES", "40")
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            str(Path(__file__).resolve().parents[2] / "docs" / "openapi.json"),  # as published
            "--url",
            url,
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance",
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            examples,
            "--workers",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            "--no-color",
            "--suppress-health-check",
            "all",
            "--seed",
            "20261122",
            # live streams never end, so a fuzzer would wait on each forever; they are
            # specified by tests/e2e/test_live*.py
            "--exclude-path-regex",
            "/live$",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )


async def test_no_request_gets_a_server_error(settings):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, read_side_scenario())
        await until(stack.settled, what="pipeline to settle")
        for role in ("admin", "agent"):
            result = await asyncio.to_thread(
                fuzz, stack.url, stack.token("ws_read", role=role, teams=("support",))
            )
            assert result.returncode == 0, result.stdout[-6000:]
    print(result.stdout[-1500:])
