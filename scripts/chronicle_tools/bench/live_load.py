"""The producer side of `scripts/bench live`: contacts, activities published at a
steady rate with the moment each left, and when the projector announced each commit."""

from __future__ import annotations

import asyncio
import bisect
import sys
import time
from datetime import UTC, datetime

import nats
import psycopg
from tqdm import tqdm

from adapters import bus
from chronicle_tools.workload import Producer
from projections.engine.live import CHANNEL, parse

DANA = ("user", "u_17", "Dana")


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
