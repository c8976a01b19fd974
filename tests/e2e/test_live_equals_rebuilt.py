"""`chronicle check`: every live read model equals a rebuild from the event store."""

import os
import subprocess
import sys

import psycopg
import pytest

from services.operate.checks import compare_with_rebuild
from tests.support.bus import publish_all
from tests.support.scenario import read_side_scenario
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


def chronicle_check(database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CHRONICLE_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_live_read_models_equal_a_rebuild_and_tampering_is_found(settings):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, read_side_scenario())
        await until(stack.settled, what="pipeline to settle")
        before = await compare_with_rebuild(settings.database_url)
        ok = chronicle_check(settings.database_url)
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE rm_timeline.entries SET summary = 'edited by hand' "
                "WHERE position = (SELECT min(position) FROM rm_timeline.entries)"
            )
            conn.execute("DELETE FROM rm_activity_grid.activities WHERE activity_id = 'a_call'")
        after = {r.name: r for r in await compare_with_rebuild(settings.database_url)}
        broken = chronicle_check(settings.database_url)
    assert all(r.equal and sum(r.rows.values()) for r in before), before
    assert ok.returncode == 0 and "DIFFERENT" not in ok.stdout
    assert after["timeline"].differences == {"entries": (1, 1)}
    assert after["activity_grid"].differences == {"activities": (0, 1)}
    assert after["audit_trail"].equal and after["conversations"].equal
    assert broken.returncode == 1 and "timeline: DIFFERENT" in broken.stdout
