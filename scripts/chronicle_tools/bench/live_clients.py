"""Live-stream clients for `scripts/bench live`: many SSE subscribers in one process,
clients that never read, and waiting on what they received."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from datetime import datetime
from pathlib import Path

import httpx


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait(check, what: str, within: float = 120.0, status=lambda: "") -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench live: timed out waiting for {what} {status()}")
        await asyncio.sleep(0.05)


class Subscribers:
    """SSE streams on contact timelines; records when each bench activity arrived. `ops`:
    the API process's ops endpoint, whose /health tells its live streams' state."""

    def __init__(self, api: str, ops: str, token: str) -> None:
        self.ops = ops
        self.client = httpx.AsyncClient(
            base_url=api,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
            timeout=httpx.Timeout(30, read=None),
        )
        self.received: dict[str, float] = {}  # activity id -> perf_counter on arrival
        self.stored_to_received: list[float] = []  # seconds from commit to the store
        self.arrivals: list[tuple[int, float, float]] = []  # (position, stored, arrived)
        self.ready = 0
        self.tasks: list[asyncio.Task] = []

    async def health(self) -> dict:
        return await ops_health(self.ops)

    def open(self, contact_ids: list[str]) -> None:
        for contact_id in contact_ids:
            self.tasks.append(asyncio.create_task(self._follow(contact_id)))

    async def _follow(self, contact_id: str) -> None:
        path = f"/v1/contacts/{contact_id}/timeline/live"
        async with self.client.stream("GET", path) as response:
            response.raise_for_status()
            event = None
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                    if event == "ready":
                        self.ready += 1
                elif line.startswith("data: ") and event == "entry":
                    arrived, now = time.perf_counter(), time.time()
                    entry = json.loads(line[6:])
                    activity_id = entry["details"].get("activity_id")
                    if activity_id:
                        self.received[activity_id] = arrived
                        stored = datetime.fromisoformat(entry["recorded_at"]).timestamp()
                        self.stored_to_received.append(now - stored)
                        self.arrivals.append((entry["position"], stored, now))

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await task
        self.tasks = []
        await self.client.aclose()


async def stalled(api_port: int, token: str, path: str) -> asyncio.StreamWriter:
    """A client that subscribes and then never reads: its socket fills up."""
    _, writer = await asyncio.open_connection("127.0.0.1", api_port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    return writer


async def ops_health(ops: str) -> dict:
    """A process's /health with its details (consumers' lag, the API's live streams): on
    its ops endpoint, not on the API's port, which answers up or down only."""
    async with httpx.AsyncClient(base_url=ops, timeout=10) as client:
        return (await client.get("/health")).json()


async def subscribe(
    api: str, ops: str, token: str, idle: list[str], busy: list[str]
) -> Subscribers:
    subscribers = Subscribers(api, ops, token)
    subscribers.open(idle + busy)
    await wait(lambda: ready(subscribers, len(idle) + len(busy)), "the subscribers")
    await settled_reads(subscribers)
    return subscribers


async def settled_reads(subscribers: Subscribers) -> None:
    """Until the API's subscribers have made their first reads (each reads once after
    `ready`): nobody waits for a read, twice in a row."""
    quiet = 0
    while quiet < 2:
        live = (await subscribers.health())["live"]
        quiet = quiet + 1 if live["reading"] == 0 else 0
        await asyncio.sleep(0.2)


async def ready(subscribers: Subscribers, count: int) -> bool:
    return subscribers.ready >= count


async def received(subscribers: Subscribers, count: int) -> bool:
    return len(subscribers.received) >= count


async def subscribers_are(health, count: int) -> bool:
    return (await health())["live"]["subscribers"] == count
