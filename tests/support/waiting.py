"""Wait on checkpoints (positions, consumer state), never on fixed sleeps."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import httpx

T = TypeVar("T")


async def until(
    check: Callable[[], Awaitable[T]], *, within: float = 30.0, what: str = "condition"
) -> T:
    """Poll `check` until it returns something truthy; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what} (last: {value!r})")
        await asyncio.sleep(0.02)  # ok-sleep: polling interval of a checkpoint, not a wait


async def all_ready(http: httpx.AsyncClient, ports: Iterable[int]) -> bool:
    """Whether every process's ops endpoint on these ports answers `/readyz` with 200."""
    for port in ports:
        try:
            answer = await http.get(f"http://127.0.0.1:{port}/readyz")
        except httpx.HTTPError:
            return False
        if answer.status_code != 200:
            return False
    return True
