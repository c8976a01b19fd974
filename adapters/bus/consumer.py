"""Ordered batches from a durable JetStream pull consumer.

Why not FastStream's batch subscriber: in FastStream 0.7.8 the batch loop keeps
re-fetching with a shrinking timeout to fill a batch; with a 20 ms batch wait we saw
messages reach the client and then come back only after the ack wait, behind later
ones (the reproduction is in docs/architecture.md). Here one fetch (pull.py) takes
whatever is available right away, up to the batch size, and the next fetch starts only
after the handler has finished, so batches are processed strictly in stream order.

A batch whose handler fails is retried in place, with backoff (adapters/retry.py), until
it succeeds (it is kept alive with in-progress acks meanwhile): later messages never
overtake it, whatever `max_ack_pending` allows. That limit is what JetStream may hand
out unacknowledged: ingest sets it to its batch size, so nothing newer is even delivered
while a batch is open and after a crash that batch comes back first (once `ack_wait`
runs out); the projector hosts set twice theirs, so the next batch is already on its
way while one is applied (their order needs no more: a message's previous position
says what it follows, and a gap is filled from the store).
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
from adapters.retry import Backoff, Stopped, retry

log = structlog.get_logger()
Handler = Callable[[list[Msg]], Awaitable[None]]


class PullConsumer:
    """One durable pull consumer's ordered batches, on a connection it is lent (the
    service's only one, adapters/hosting/runtime.py): it subscribes there, never connects."""

    def __init__(
        self,
        stream: str,
        config: ConsumerConfig,
        batch_size: int,
        handler: Handler,
    ) -> None:
        self.stream = stream
        self.config = config
        self.batch_size = batch_size
        self.handler = handler
        self.nc: Client | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._subscription: PullInbox | None = None
        self.acks_all = False

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
        self._subscription = PullInbox(self.nc, self.stream, self.durable)
        await self._subscription.start()
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
                msgs = await retry(
                    self._fetch,
                    on=Exception,  # the loop must outlive reconnects and server restarts
                    what="consumer.fetch_failed",
                    backoff=Backoff(first=1.0),
                    stop=self._stopping,
                    durable=self.durable,
                )
            except Stopped:
                return
            if msgs:
                await self._handle_until_done(msgs)

    async def _fetch(self) -> list[Msg]:
        try:
            return await self._subscription.fetch(self.batch_size, 1.0)  # (batch, timeout)
        except TimeoutError:  # nothing within the second: fetch again
            return []

    async def _handle_until_done(self, msgs: list[Msg]) -> None:
        keepalive = asyncio.create_task(self._keep_alive(msgs))
        try:
            await retry(
                lambda: self.handler(msgs),
                on=Exception,
                what="consumer.batch_failed",
                stop=self._stopping,
                traceback=True,
                durable=self.durable,
                size=len(msgs),
            )
        except Stopped:
            pass  # unacknowledged: redelivered, first, after ack_wait
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
