"""docs/producers.md's example is run as written, against a running Chronicle, with the
producer package imported from its folder and a producer's own credential."""

import asyncio
import json
import os
import re
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import psycopg
import pytest

from adapters.bus import credentials as bus_credentials
from adapters.embedded import NatsServer, free_port
from tests.support.producer_package import CLIENT
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "producers.md"


def example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
    assert len(blocks) == 1, "the guide has one Python example"
    return blocks[0]


@pytest.fixture
def server(tmp_path):
    """A nats-server of this test's own, whose users it may change."""
    nats_server = NatsServer.start(tmp_path / "nats", free_port(), [])
    yield nats_server
    nats_server.stop()


async def test_the_producers_guide_example_runs_as_written(settings, server, tmp_path):
    script = tmp_path / "producer.py"
    script.write_text(example())
    settings = settings.model_copy(update={"nats_url": server.url})
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        made = bus_credentials.create(conn, "producer", ["ws_acme"], "the guide")
        server.reload(bus_credentials.users(conn))
    async with Stack(settings) as stack:
        env = {
            **os.environ,
            "PYTHONPATH": str(CLIENT),  # the package from its folder, as if pip-installed
            "CHRONICLE_NATS_URL": server.address,
            "CHRONICLE_PRODUCER_USER": made.name,
            "CHRONICLE_PRODUCER_PASSWORD": made.password,
        }
        # the services run in this event loop: the producer must not block it
        run = await asyncio.create_subprocess_exec(
            sys.executable, str(script), env=env, stdout=PIPE, stderr=PIPE, cwd=tmp_path
        )
        out, err = await asyncio.wait_for(run.communicate(), 60)
        await until(stack.settled, what="the pipeline to settle")
    assert run.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0].startswith("published, stream seq ")
    assert re.fullmatch(r"accepted at position \d+", lines[1])
    assert lines[2] == "retried: duplicate"
    assert lines[3] == "refused before sending: source - Field required"
    assert lines[4] == "rejected: data.merged_contact_ids - contact.merge_into_self"
    assert lines[5] == "notice: data.contact_id: Field required; data.source: Field required"
    with psycopg.connect(settings.database_url) as conn:
        envelopes = conn.execute("SELECT envelope_id FROM ingest_envelopes ORDER BY 1").fetchall()
        rejects = conn.execute("SELECT envelope_id FROM ingest_rejects ORDER BY 1").fetchall()
        states = conn.execute(
            "SELECT state FROM chronicle_events ORDER BY notification_id"
        ).fetchall()
        timeline = conn.execute(
            "SELECT count(*) FROM rm_timeline.entries WHERE subject_id = 'c_ann'"
        ).fetchone()[0]
    assert envelopes == [("crm-contact-1001",), ("inbox-conv-1-opened",)]
    assert rejects == [("crm-contact-1002",), ("crm-merge-7",)] and timeline == 2
    correlations = [json.loads(bytes(state))["meta"]["correlation_id"] for (state,) in states]
    assert correlations == ["crm-contact-1001", "trace-conv-1"]  # the default: the envelope id
