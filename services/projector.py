"""A projector service: one read model fed from its own durable consumer.

On start it catches up straight from the event store (bulk reads), then follows the
events stream. New durable consumers start at new messages: whatever was published
before is covered by the catch-up, and any gap is filled from the store by the runner.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import msgspec
import psycopg
import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters import bus
from adapters.consumer import PullConsumer
from adapters.eventstore import INSERT_DEAD_LETTER, DeadLetter, dead_letter_row
from adapters.migrations import ensure_store
from adapters.settings import Settings
from projections.base import Projection
from projections.runner import ProjectionRunner
from projections.source import decode
from services import runtime
from services.runtime import HostedService, Watchdog, events_after

log = structlog.get_logger()
MAX_ATTEMPTS = 3


def _meta(state: bytes) -> dict:
    """The event's meta if it decodes as JSON at all (a dead letter's best description)."""
    try:
        meta = msgspec.json.decode(state).get("meta")
    except (msgspec.DecodeError, AttributeError):
        return {}
    return meta if isinstance(meta, dict) else {}


class ProjectorService(HostedService):
    def __init__(self, settings: Settings, projection: Projection) -> None:
        self.settings = settings
        self.projection = projection
        self.runner = ProjectionRunner(projection)
        self.durable = f"chronicle-projection-{projection.name}"
        self.position = 0
        self.conn: psycopg.AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._failures = 0
        self.broker = runtime.broker(settings.nats_url, self.durable)
        self.consumer = PullConsumer(
            settings.nats_url,
            bus.EVENTS_STREAM,
            ConsumerConfig(
                durable_name=self.durable,
                deliver_policy=DeliverPolicy.NEW,
                ack_policy=JsAckPolicy.ALL,  # a batch is acknowledged by its last message
                ack_wait=30,
                max_deliver=-1,
                max_ack_pending=settings.projector_batch_size * 2,
                filter_subject=bus.EVENTS_SUBJECTS,
            ),
            settings.projector_batch_size,
            self.handle_batch,
        )

    async def prepare(self) -> None:
        await asyncio.to_thread(ensure_store, self.settings.database_url)
        nc = await bus.connect(self.settings.nats_url, f"{self.durable}-setup")
        try:
            await bus.ensure_streams(nc.jetstream(), bus.StreamLimits.of(self.settings))
        finally:
            await nc.close()
        await self._connect()
        await self.projection.create(self.conn)
        await self.catch_up()

    async def begin(self) -> None:
        self.watchdog = Watchdog(
            f"projector.{self.projection.name}",
            self._probe,
            self.settings.watch_interval,
            self.settings.stuck_after,
        )
        self.watchdog.start()
        await self.consumer.start()
        await self.catch_up()  # what was published before our consumer existed
        log.info("projector.started", projection=self.projection.name, position=self.position)

    async def finish(self) -> None:
        await self.watchdog.stop()
        await self.consumer.stop()

    async def close(self) -> None:
        if self.conn:
            await self.conn.close()

    async def _probe(self) -> tuple[int, int]:
        return self.position, await events_after(self.settings.database_url, self.position)

    async def catch_up(self) -> None:
        async with self._lock:
            self.position = await self.runner.catch_up(self.conn)

    async def _connect(self) -> None:
        if self.conn is None or self.conn.closed:
            self.conn = await psycopg.AsyncConnection.connect(
                self.settings.database_url, autocommit=True
            )

    async def handle_batch(self, raws: list[Msg]) -> None:
        """Apply one batch; raising makes the consumer retry it in place. A batch that keeps
        failing (not for want of a database) is applied event by event from the store, and
        the events that fail are parked as dead letters."""
        try:
            await self._handle(raws)
            self._failures = 0
            return
        except psycopg.OperationalError:
            self.conn = None  # reconnect on the retry
            raise
        except Exception:
            self._failures += 1
            delivered = max((r.metadata.num_delivered or 1) for r in raws)
            if self._failures + delivered - 1 < MAX_ATTEMPTS:
                raise
        log.error("projector.isolating", projection=self.projection.name, size=len(raws))
        upto = max(int((r.headers or {}).get(bus.POSITION, 0)) for r in raws)
        async with self._lock:
            await self._connect()
            self.position = await self.runner.apply_isolating(self.conn, upto, self._park)
        await self.consumer.ack(raws)
        self._failures = 0

    async def _park(self, conn: psycopg.AsyncConnection, row: tuple, error: Exception) -> None:
        position, _, _, wire_name, state = row
        meta = _meta(bytes(state))
        dead = DeadLetter(
            f"projection:{self.projection.name}",
            None,
            position,
            meta.get("workspace_id"),
            meta.get("envelope_id"),
            None,
            wire_name,
            bytes(state),
            None,
            repr(error),
            MAX_ATTEMPTS,
        )
        await conn.execute(INSERT_DEAD_LETTER, dead_letter_row(dead))
        log.error(
            "projector.parked",
            projection=self.projection.name,
            position=position,
            error=repr(error),
        )

    async def _handle(self, raws: list[Msg]) -> None:
        pairs = []
        for r in raws:
            h = r.headers or {}
            recorded = decode(
                self.runner.mapper,
                int(h[bus.POSITION]),
                UUID(h[bus.AGGREGATE_ID]),
                int(h[bus.VERSION]),
                h[bus.WIRE_NAME],
                r.data,
            )
            pairs.append((int(h[bus.PREVIOUS_POSITION]), recorded))
            log.debug(
                "projector.event",
                projection=self.projection.name,
                position=recorded.position,
                correlation_id=h.get(bus.CORRELATION_ID),
            )
        async with self._lock:
            await self._connect()
            self.position = await self.runner.apply(self.conn, pairs)
        await self.consumer.ack(raws)
        log.debug(
            "projector.batch",
            projection=self.projection.name,
            size=len(raws),
            position=self.position,
        )
