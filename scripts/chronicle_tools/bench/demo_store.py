"""What the scale and size suites share: a store filled with the demo workload, and
waiting on a condition."""

from __future__ import annotations

import asyncio
import time

from tqdm import tqdm

from adapters.eventstore import EventStore
from chronicle_tools.workload import demo_workload
from services.ingest.processor import IngestProcessor
from services.ingest.validation import Incoming


def fill(url: str, events: int, batch: int = 500) -> int:
    """Ingest the demo workload of as many workspaces as it takes to store `events`.

    Batches of 500, as the ingest service takes them: with 1,000 and more envelopes in
    one transaction the pgserver build (Unix socket) hung in our runs, TCP did not."""
    stored, n = 0, 0
    with EventStore(url) as store, tqdm(total=events, desc="ingest", unit="ev") as bar:
        processor = IngestProcessor(store)
        while stored < events:
            messages = []
            while len(messages) < batch:
                messages += demo_workload(n, f"ws_{n:05d}", f"b{n}")
                n += 1
            outcomes = processor.process([Incoming(m.subject, m.body) for m in messages])
            added = sum(o.events for o in outcomes)
            stored += added
            bar.update(added)
    return stored


async def wait_for(check, within: float, what: str):
    """Await `check()` every 0.2 s until it is truthy (returned), or TimeoutError(`what`)."""
    deadline = time.monotonic() + within
    while not (found := await check()):
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.2)
    return found
