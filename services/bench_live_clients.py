"""Live-stream clients for `chronicle bench-live`: many SSE subscribers in one process,
and the producer that publishes paced activities and stamps when each left."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import sys
import time
from datetime import UTC, datetime

import httpx
import nats
import psycopg
from tqdm import tqdm

from adapters import bus
from projections.live import CHANNEL, parse
from services.workload import Producer

DANA = ("user", "u_17", "Dana")


class Subscribers:
    """SSE streams on contact timelines; records when each bench activity arrived."""

    def __init__(self, api: str, token: str) -> None:
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


def contacts(workspace: str, ids: list[str]) -> list:
    p = Producer(workspace, f"{workspace}-contacts")
    now = datetime.now(UTC)
    return [
        p.envelope("contact.added", {"contact_id": c, "name": c, "source": "api"}, DANA, now)
        for c in ids
    ]


async def publish(nats_url: str, messages: list) -> None:
    nc = await bus.connect(nats_url, "bench-live-setup")
    js = nc.jetstream()
    for m in messages:
        await js.publish(m.subject, m.body, headers={bus.MSG_ID: m.envelope_id})
    await nc.close()


async def paced(nats_url: str, workspace: str, busy: list[str], rate: float, total: int) -> dict:
    """Publish `total` activities at `rate` a second, round-robin over `busy` contacts;
    returns activity id -> perf_counter when it was handed to NATS."""
    nc = await nats.connect(nats_url, name="bench-live-producer")
    p = Producer(workspace, f"{workspace}-load")
    sent: dict[str, float] = {}
    bar = tqdm(total=total, desc="published", unit="event", file=sys.stderr, mininterval=0.5)
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        activity_id = f"bench-{i}"
        m = p.envelope(
            "activity.logged",
            {
                "activity_id": activity_id,
                "type": "note",
                "source": "manual",
                "summary": f"Bench note {i}",
                "contact_id": busy[i % len(busy)],
            },
            DANA,
            datetime.now(UTC),
        )
        sent[activity_id] = time.perf_counter()
        await nc.publish(m.subject, m.body, headers={bus.MSG_ID: m.envelope_id})
        if i % 50 == 49:
            await nc.flush()
            bar.update(50)
    await nc.flush()
    bar.close()
    sent["_seconds"] = time.perf_counter() - start
    await nc.close()
    return sent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Announcements:
    """When each timeline announcement reached a listener (wall clock), by position."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.seen: list[tuple[int, float]] = []

    async def listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self.database_url, autocommit=True
        ) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            async for notice in conn.notifies():
                announced = parse(notice.payload)
                if announced and announced.schema == "rm_timeline":
                    self.seen.append((announced.position, time.time()))

    def split(self, arrivals: list[tuple[int, float, float]]) -> tuple[list, list]:
        """(stored -> announced, announced -> received) for each arrival, in seconds."""
        positions = [p for p, _ in self.seen]
        to_announced, to_received = [], []
        for position, stored, arrived in arrivals:
            i = bisect.bisect_left(positions, position)
            if i < len(self.seen):
                to_announced.append(self.seen[i][1] - stored)
                to_received.append(arrived - self.seen[i][1])
        return to_announced, to_received
