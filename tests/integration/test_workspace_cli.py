"""`chronicle workspace ...` publishes workspace envelopes and reports the verdict."""

import asyncio
import os
import sys

import psycopg
import pytest

from services.ingest.service import IngestService

pytestmark = pytest.mark.integration


async def chronicle(settings, *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "CHRONICLE_DATABASE_URL": settings.database_url,
        "CHRONICLE_NATS_URL": settings.nats_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode()


async def test_set_timezone_and_directory_changes_from_the_command_line(settings):
    service = IngestService(settings)
    await service.start()
    try:
        ws = ("--workspace", "ws_cli", "--by", "u_1", "--by-name", "Ada")
        zone = await chronicle(settings, "workspace", "set-timezone", "Asia/Kathmandu", *ws)
        again = await chronicle(settings, "workspace", "set-timezone", "Asia/Kathmandu", *ws)
        wrong = await chronicle(settings, "workspace", "set-timezone", "Mars/Olympus", *ws)
        user = await chronicle(settings, "workspace", "delete-user", "u_21", *ws)
        self_delete = await chronicle(settings, "workspace", "delete-user", "u_1", *ws)
        channel = await chronicle(settings, "workspace", "delete-channel", "sms", *ws)
    finally:
        await service.stop()
    assert zone[0] == 0 and zone[1].startswith("accepted: workspace.settings_changed")
    assert again[0] == 0 and again[1].startswith("accepted")  # a repeat records nothing
    assert wrong[0] == 2 and "not an IANA time zone" in wrong[1]
    assert user[0] == 0 and channel[0] == 0
    assert self_delete[0] == 1 and "cannot delete themselves" in self_delete[1]
    with psycopg.connect(settings.database_url) as conn:
        topics = [t for (t,) in conn.execute("SELECT topic FROM chronicle_events ORDER BY 1")]
    assert topics == [
        "workspace.channel_deleted.v1",
        "workspace.registered.v1",
        "workspace.time_zone_changed.v1",
        "workspace.user_deleted.v1",
    ]
