"""The `chronicle` command in its own process, as a person runs it: when it prints a
Google consent address, they sign in there (the fake Google) and paste back the address
their browser ended on."""

from __future__ import annotations

import asyncio
import os
import sys

from tests.support.fake_gmail import FakeGoogle
from tests.support.fake_gmail_auth import TokenRefused


async def chronicle(settings, google: FakeGoogle | None, *args: str) -> tuple[int, str]:
    """The command line in its own process; when it prints a consent address, the person
    signs in there and pastes back the address the browser ended on."""
    env = {
        **os.environ,
        "CHRONICLE_DATABASE_URL": settings.database_url,
        "OAUTHLIB_INSECURE_TRANSPORT": "1",
    }  # the fake Google is plain HTTP on loopback
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", *args, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    shown = []
    while line := await asyncio.wait_for(process.stdout.readline(), 60):
        shown.append(line.decode())
        if line.startswith(b"http") and google is not None:
            try:
                back = google.consent(line.decode().strip())
            except TokenRefused:  # Google shows an error page: the person gives up
                process.stdin.close()
                continue
            process.stdin.write(back.encode() + b"\n")
            await process.stdin.drain()
    await process.wait()
    return process.returncode, "".join(shown)
