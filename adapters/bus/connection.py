"""Connecting to NATS: what every Chronicle connection does when the server is away."""

from __future__ import annotations

import asyncio

import nats
import nats.errors
from nats.aio.client import Client


def servers(url: str) -> list[str]:
    """`nats://a:4222,nats://b:4222` -> each server (a cluster's seed list)."""
    return [part.strip() for part in url.split(",") if part.strip()]


# How every Chronicle connection behaves (a service's broker's and a tool's): it keeps
# reconnecting instead of giving up, so a restarted nats-server costs a pause, not a crash.
CONNECTION_OPTIONS = {
    "max_reconnect_attempts": -1,
    "reconnect_time_wait": 0.5,
    "allow_reconnect": True,
    "connect_timeout": 2,
}


async def connect(url: str, name: str, *, attempts: int = 60) -> Client:
    """A nats-py connection that keeps reconnecting instead of giving up.

    The first connection is retried too (with backoff), so a service started before
    nats-server is up waits for it instead of crashing.
    """
    delay = 0.1
    for attempt in range(attempts):
        try:
            return await nats.connect(servers(url), name=name, **CONNECTION_OPTIONS)
        except (OSError, nats.errors.NoServersError, TimeoutError):
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")
