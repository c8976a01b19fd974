"""Ordered batches from a durable JetStream pull consumer.

Why not FastStream's batch subscriber: in FastStream 0.7.8 the batch loop keeps
re-fetching with a shrinking timeout to fill a batch; with a 20 ms batch wait we saw
messages reach the client and then come back only after the ack wait, behind later
ones (the reproduction is in docs/architecture.md). Here one `fetch` takes whatever is
available right away, up to the batch size, and the next fetch starts only after the
handler has finished, so batches are processed strictly in stream order.

A batch whose handler fails is retried in place, with backoff, until it succeeds (it is
kept alive with in-progress acks meanwhile): later messages never overtake it. With
`max_ack_pending` equal to the batch size, JetStream cannot hand out anything newer
while a batch is unacknowledged, so after a crash the unacknowledged batch comes back
first (once `ack_wait` runs out) and order still holds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig

from adapters.bus.pull import PullInbox

log = structlog.get_logger()
Handler = Callable[[list[Msg]], Awaitable[None]]


class PullConsumer:
    """One durable pull consumer's ordered batches, on a connection it is lent (the
    service's only one, services/runtime.py): it subscribes there, never connects."""

    def __init__(
        self,
        stream: str,
        config: ConsumerConfig,
        batch_size: int,
        handler: Handler,
        *,
        buffered_fetch: bool = False,
    ) -> None:
        self.stream = stream
        self.config = config
        self.batch_size = batch_size
        self.handler = handler
        self.nc: Client | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._subscription = None
        self.acks_all = False
        self.buffered_fetch = (
            buffered_fetch  # adapters/bus/pull.py: fetch without per-message waits
        )

    @property
    def durable(self) -> str:
        return self.config.durable_name

    async def start(self, nc: Client) -> None:
        self.nc = nc
        js = self.nc.jetstream()
        try:
            await js.add_consumer(self.stream, self.config)
        except nats.js.errors.BadRequestError as e:
            # An existing durable keeps its position; its settings are not ours to reset.
            log.info("consumer.exists", durable=self.durable, detail=str(e))
        if self.buffered_fetch:
            self._subscription = PullInbox(self.nc, self.stream, self.durable)
            await self._subscription.start()
        else:
            self._subscription = await js.pull_subscribe_bind(self.durable, self.stream)
        info = await js.consumer_info(self.stream, self.durable)
        self.acks_all = info.config.ack_policy == AckPolicy.ALL
        self._task = asyncio.create_task(self._loop(), name=f"pull-{self.durable}")

    async def ack(self, msgs: list[Msg]) -> None:
        """Acknowledge a handled batch: with AckPolicy.ALL one ack of its last message does
        it (a consumer made before that policy keeps its own, and gets one ack each)."""
        for msg in msgs[-1:] if self.acks_all else msgs:
            await msg.ack()

    async def stop(self) -> None:
        """Stop fetching; the connection is its owner's to close."""
        self._stopping.set()
        if self._task:
            await self._task
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                msgs = await self._subscription.fetch(self.batch_size, 1.0)  # (batch, timeout)
            except TimeoutError:  # nats-py raises both its own and asyncio's: both subclass it
                continue
            except Exception as e:  # the loop must outlive reconnects and server restarts
                log.warning("consumer.fetch_failed", durable=self.durable, error=repr(e))
                await self._pause(1.0)
                continue
            await self._handle_until_done(msgs)

    async def _handle_until_done(self, msgs: list[Msg]) -> None:
        delay = 0.2
        keepalive = asyncio.create_task(self._keep_alive(msgs))
        try:
            while True:
                try:
                    await self.handler(msgs)
                    return
                except Exception:
                    log.exception(
                        "consumer.batch_failed",
                        durable=self.durable,
                        size=len(msgs),
                        retry_in=delay,
                    )
                if self._stopping.is_set():
                    return  # unacknowledged: redelivered, first, after ack_wait
                await self._pause(delay)
                delay = min(delay * 2, 5.0)
        finally:
            keepalive.cancel()

    async def _keep_alive(self, msgs: list[Msg]) -> None:
        """Tell JetStream we are still working on `msgs`, so it does not redeliver them."""
        interval = max((self.config.ack_wait or 30) / 3, 0.5)
        while True:
            await asyncio.sleep(interval)
            for msg in msgs:
                with contextlib.suppress(Exception):
                    await msg.in_progress()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
