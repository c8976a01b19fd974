"""Producers on the bus, as outside services publish: JetStream, Nats-Msg-Id = envelope id.

Sampled envelopes carry `Chronicle-Reply-To`, so the ingest service answers each once it
is committed (with its position): publish → committed latency measured by the producer,
on one clock. Two ways to publish: paced at a rate, or as fast as possible while the work
not yet done stays under a cap (a closed loop, so latency means something under load).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator

import msgspec
import nats

from adapters import bus
from adapters.bus import auth as bus_auth
from chronicle_tools.workload import Published


class Publisher:
    """Publishes as a producer with `js.publish`; every `sample_every`-th envelope asks for
    the ingest service's verdict (its latency), with a reply subject signed by the bus key
    as Chronicle's request gateway would sign it (the benchmark is Chronicle's own tool)."""

    def __init__(self, nats_url: str, reply_key: bytes, sample_every: int = 10) -> None:
        self.nats_url, self.sample_every = nats_url, max(sample_every, 1)
        self.reply_key = reply_key
        self.published = 0
        self.failed = 0
        self.sent: dict[str, float] = {}
        self.replies: list[tuple[float, float, int | None, str]] = []  # sent, answered, pos, status

    async def __aenter__(self) -> Publisher:
        self.nc = await nats.connect(self.nats_url, name="bench-producer")
        self.js = self.nc.jetstream(publish_async_max_pending=4000)
        self.reply_subject = self.nc.new_inbox()
        await self.nc.subscribe(self.reply_subject, cb=self._on_reply)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.nc.drain()

    async def _on_reply(self, msg) -> None:
        answered = time.monotonic()
        reply = msgspec.json.decode(msg.data)
        sent = self.sent.pop(reply.get("id"), None)
        if sent is not None:
            self.replies.append((sent, answered, reply.get("position"), reply["status"]))

    def _done(self, future: asyncio.Future) -> None:
        if future.cancelled() or future.exception() is not None:
            self.failed += 1

    async def publish(self, m: Published) -> None:
        headers = {bus.MSG_ID: m.envelope_id}
        if self.published % self.sample_every == 0:
            headers[bus.REPLY_TO] = self.reply_subject
            headers[bus_auth.REPLY_HEADER] = bus_auth.sign_reply(
                self.reply_key, self.reply_subject, m.body
            )
            self.sent[m.envelope_id] = time.monotonic()
        future = await self.js.publish_async(m.subject, m.body, headers=headers, wait_stall=60)
        future.add_done_callback(self._done)
        self.published += 1

    async def paced(self, messages: Iterator[Published], rate: float, seconds: float) -> None:
        """`rate` envelopes a second, evenly, for `seconds`."""
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            due = int(elapsed * rate) - self.published
            for _ in range(due):
                await self.publish(next(messages))
            await asyncio.sleep(0.002)
        await self.js.publish_async_completed()

    async def closed_loop(
        self,
        messages: Iterator[Published],
        seconds: float,
        backlog: Callable[[], Awaitable[int]],
        cap: int,
        tick: Callable[[], None] | None = None,
    ) -> None:
        """As fast as the system takes them: publish while `backlog()` (work published but
        not yet done) is under `cap`, for `seconds`."""
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            room = cap - await backlog()
            if room <= 0:
                await asyncio.sleep(0.005)
            for _ in range(min(max(room, 0), 500)):
                await self.publish(next(messages))
            if tick:
                tick()
        await self.js.publish_async_completed()

    def latencies_ms(self, status: str = "accepted") -> list[float]:
        return [(done - sent) * 1000 for sent, done, _, s in self.replies if s == status]
