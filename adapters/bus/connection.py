"""Connecting to NATS: what every Chronicle connection does when the server is away."""

from __future__ import annotations

import logging

import nats
import nats.errors
from nats.aio.client import Client

from adapters.retry import Backoff, retry


def servers(url: str) -> list[str]:
    """`nats://a:4222,nats://b:4222` -> each server (a cluster's seed list)."""
    return [part.strip() for part in url.split(",") if part.strip()]


_nats_log = logging.getLogger("nats.aio.client")


async def complain(error: Exception) -> None:
    """What nats-py says of a connection's errors when left alone (a broker's connection
    would say nothing: FastStream, with no logger, takes the callback over). A storm of
    them while the server is down is kept short by adapters/logging.py."""
    _nats_log.error("nats: encountered error", exc_info=error)


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
    return await retry(
        lambda: nats.connect(servers(url), name=name, **CONNECTION_OPTIONS),
        on=(OSError, nats.errors.NoServersError, TimeoutError),
        what="bus.connect_failed",
        backoff=Backoff(first=0.1, most=2.0),
        attempts=attempts,
        connection=name,
    )
