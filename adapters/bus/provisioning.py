"""Bringing Chronicle's streams into being: `chronicle migrate` creates or updates them,
a service at start waits for them (creating one only when its identity may)."""

from __future__ import annotations

import asyncio
import time

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from adapters.bus.streams import NO_WINDOW, StreamLimits, stream_configs
from adapters.retry import Backoff, retry


class BusTooOld(RuntimeError):
    """The NATS server cannot run Chronicle's streams as they must be configured."""


async def ensure_streams(js: JetStreamContext, limits: StreamLimits) -> None:
    """Create Chronicle's streams, or bring their settings up to date (`chronicle migrate`,
    run by `chronicle up` before any service starts; needs the admin identity)."""
    for config in stream_configs(limits):
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            info = await js.add_stream(config)
        else:
            info = await js.update_stream(config)
        _check_window(config.name, info)


async def await_streams(js: JetStreamContext, limits: StreamLimits, within: float = 600) -> None:
    """What a service does at start: wait until Chronicle's streams exist, creating one that
    is missing when its identity may (the admin's may; a service's own may not, and waits
    for `chronicle migrate`). Never changes an existing stream's settings."""
    deadline = time.monotonic() + within
    for config in stream_configs(limits):
        try:
            await retry(
                lambda config=config: _stream_there(js, config),
                on=_Missing,
                what="bus.waiting_for_stream",
                backoff=Backoff(first=1.0, most=1.0),
                within=max(deadline - time.monotonic(), 0.0),
                stream=config.name,
            )
        except _Missing:
            raise TimeoutError(f"stream {config.name} missing: run `chronicle migrate`") from None


class _Missing(Exception):
    """A stream is not there, and this identity may not create it."""


async def _stream_there(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        _check_window(config.name, await js.stream_info(config.name))
    except NotFoundError:
        try:
            _check_window(config.name, await asyncio.wait_for(js.add_stream(config), 3))
        except (TimeoutError, nats.errors.TimeoutError, nats.js.errors.Error) as e:
            raise _Missing(config.name) from e  # not ours: someone runs `chronicle migrate`


def _check_window(name: str, info) -> None:
    if name in NO_WINDOW and info.config.duplicate_window:
        raise BusTooOld(
            f"nats-server kept a {info.config.duplicate_window:g} s duplicate window on "
            f"{name}: turning it off needs nats-server 2.14 or newer. With a window, the "
            "same envelope id published by two workspaces would cost one of them its "
            "envelope; upgrade nats-server (docs/running.md)"
        )
