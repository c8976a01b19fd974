"""Trying again what fails for a while (a server restarting, a lock held, a catalogue race):
one policy for every loop that waits and tries again, with jitter and a stop event.

Jitter: each pause is drawn from its upper part, so workers that failed together (every
partition's host when PostgreSQL restarts) do not come back together. A stop event ends
the waiting at once: a service that is stopping does not sit out a backoff.
(tenacity would do the pauses, but neither it nor stamina is installed, and a stop event
that cuts a pause short needs a custom sleep and stop condition there: this is smaller.)
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import structlog

log = structlog.get_logger()
T = TypeVar("T")
Errors = type[BaseException] | tuple[type[BaseException], ...]


class Stopped(Exception):
    """The stop event was set while the call kept failing (its last error is the cause)."""


@dataclass(frozen=True)
class Backoff:
    """Pauses growing from `first` by `factor` up to `most` seconds; `jitter` is the part
    of each that is random (0.5: a pause of p lasts between p/2 and p)."""

    first: float = 0.2
    factor: float = 2.0
    most: float = 5.0
    jitter: float = 0.5

    def pauses(self, rng: Callable[[], float] = random.random) -> Iterator[float]:
        pause = self.first
        while True:
            yield pause * (1 - self.jitter * rng())
            pause = min(pause * self.factor, self.most)


class _Tries:
    """Whether to try again, and after which pause: `attempts` calls in all and/or until
    `within` seconds from the first (None: no limit)."""

    def __init__(self, backoff: Backoff, attempts: int | None, within: float | None) -> None:
        self.pauses = backoff.pauses()
        self.left = attempts
        self.deadline = None if within is None else time.monotonic() + within
        self.done = 0

    def pause(self) -> float | None:
        self.done += 1
        if self.left is not None and self.done >= self.left:
            return None
        if self.deadline is not None and time.monotonic() > self.deadline:
            return None
        return next(self.pauses)


async def retry(
    call: Callable[[], Awaitable[T]],
    *,
    on: Errors,
    what: str,
    backoff: Backoff = Backoff(),
    attempts: int | None = None,
    within: float | None = None,
    stop: asyncio.Event | None = None,
    traceback: bool = False,
    **context: object,
) -> T:
    """`await call()` until it returns. A failure in `on` is logged (`what`, with the
    attempt, the pause and `context`) and tried again after a pause; once `attempts` or
    `within` is spent it is raised as it was; once `stop` is set, `Stopped` is."""
    tries = _Tries(backoff, attempts, within)
    while True:
        try:
            return await call()
        except on as error:
            pause = tries.pause()
            if pause is None:
                raise
            _log(what, tries.done, pause, error, traceback, context)
            if stop is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
                if stop.is_set():
                    raise Stopped(what) from error
            else:
                await asyncio.sleep(pause)


def retry_sync(
    call: Callable[[], T],
    *,
    on: Errors,
    what: str,
    backoff: Backoff = Backoff(),
    attempts: int | None = None,
    within: float | None = None,
    **context: object,
) -> T:
    """`retry` for blocking code (no stop event: a thread is not stopped from outside)."""
    tries = _Tries(backoff, attempts, within)
    while True:
        try:
            return call()
        except on as error:
            pause = tries.pause()
            if pause is None:
                raise
            _log(what, tries.done, pause, error, False, context)
            time.sleep(pause)


def _log(what: str, attempt: int, pause: float, error, traceback: bool, context: dict) -> None:
    fields = {"attempt": attempt, "retry_in": round(pause, 3), **context}
    if traceback:  # an error worth its stack (a handler's bug), not a server away
        log.error(what, exc_info=error, **fields)
    else:
        log.warning(what, error=repr(error), **fields)
