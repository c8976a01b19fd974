"""docs/producers.md's example is run as written, against a running Chronicle."""

import asyncio
import os
import re
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import psycopg
import pytest

from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "producers.md"


def example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
    assert len(blocks) == 1, "the guide has one Python example"
    return blocks[0]


async def test_the_producers_guide_example_runs_as_written(settings, tmp_path):
    script = tmp_path / "producer.py"
    script.write_text(example())
    async with Stack(settings) as stack:
        env = {**os.environ, "CHRONICLE_NATS_URL": settings.nats_url}
        # the services run in this event loop: the producer must not block it
        run = await asyncio.create_subprocess_exec(
            sys.executable, str(script), env=env, stdout=PIPE, stderr=PIPE
        )
        out, err = await asyncio.wait_for(run.communicate(), 60)
        await until(stack.settled, what="the pipeline to settle")
    assert run.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0].startswith("published, stream seq ")
    assert re.fullmatch(r"accepted at position \d+", lines[1])
    assert lines[2] == "retried: duplicate"
    assert lines[3] == "rejected: data.source - Field required"
    assert lines[4].startswith("notice: ") and "data.contact_id" in lines[4]
    with psycopg.connect(settings.database_url) as conn:
        envelopes = conn.execute("SELECT envelope_id FROM ingest_envelopes ORDER BY 1").fetchall()
        rejects = conn.execute("SELECT count(*) FROM ingest_rejects").fetchone()[0]
        timeline = conn.execute(
            "SELECT count(*) FROM rm_timeline.entries WHERE subject_id = 'c_ann'"
        ).fetchone()[0]
    assert envelopes == [("crm-contact-1001",), ("inbox-conv-1-opened",)]
    assert rejects == 2 and timeline == 2
