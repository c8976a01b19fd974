"""A projector service: one read model fed from its own durable consumer.

On start it catches up straight from the event store (bulk reads), then follows the
events stream. New durable consumers start at new messages: whatever was published
before is covered by the catch-up, and any gap is filled from the store by the runner.
With CHRONICLE_PROJECTOR_PARTITIONS > 1, a worker applies one partition (its durable
consumer filters the partition's subjects) and tracks that partition's watermark.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import msgspec
import psycopg
import structlog
from faststream import FastStream
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters import bus, metrics
from adapters.consumer import PullConsumer
from adapters.eventstore import INSERT_DEAD_LETTER, DeadLetter, dead_letter_row
from adapters.migrations import ensure_store
from adapters.settings import Settings
from projections.engine.base import Projection, VersionMismatch
from projections.engine.partitioning import adopt
from projections.engine.runner import ProjectionRunner
from projections.engine.source import Slot, backlog, decode, keys_for, skipped
from services import runtime
from services.runtime import HostedService, Watchdog

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
        self.slot = _slot(settings)
        self.runner = ProjectionRunner(projection, slot=self.slot)
        self.durable = f"chronicle-projection-{projection.name}" + (
            f"-p{self.slot.index}" if self.slot else ""
        )
        self.position = 0
        self.conn: psycopg.AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._failures = 0
        self._app: FastStream | None = None
        self.superseded: VersionMismatch | None = None
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
                filter_subject=bus.events_filter(
                    settings.projector_partition, settings.projector_partitions
                ),
            ),
            settings.projector_batch_size,
            self.handle_batch,
            buffered_fetch=True,  # adapters/pull.py: ~25 us of CPU less per message
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
        await adopt(self.conn, self.projection, self.settings.projector_partitions)
        await self.catch_up()

    async def begin(self) -> None:
        self.watchdog = Watchdog(
            f"projector.{self.projection.name}" + (f".p{self.slot.index}" if self.slot else ""),
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
        async with await psycopg.AsyncConnection.connect(
            self.settings.database_url, autocommit=True
        ) as conn:
            if self.slot is not None:
                async with self._lock:
                    self.position = await self.runner.advance_idle(conn)
            behind, oldest = await backlog(conn, self.position, self.slot)
        seconds = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        labels = self.projection.name, str(self.slot.index) if self.slot else "all"
        metrics.PROJECTION_POSITION.labels(*labels).set(self.position)
        metrics.PROJECTION_LAG_EVENTS.labels(*labels).set(behind)
        metrics.PROJECTION_LAG_SECONDS.labels(*labels).set(max(seconds, 0.0))
        return self.position, behind

    async def catch_up(self) -> None:
        async with self._lock:
            try:
                self.position = await self.runner.catch_up(self.conn)
            except VersionMismatch as mismatch:
                self._supersede(mismatch)
                raise

    async def _connect(self) -> None:
        if self.conn is None or self.conn.closed:
            self.conn = await psycopg.AsyncConnection.connect(
                self.settings.database_url, autocommit=True
            )

    def app(self) -> FastStream:
        self._app = super().app()
        return self._app

    def _supersede(self, mismatch: VersionMismatch) -> None:
        """The live schema was swapped for another version's (a rollout by `chronicle
        rebuild`): write nothing more. Under `chronicle run` the process ends, so its
        supervisor starts it again with the code now installed."""
        if self.superseded is None:
            log.error("projector.superseded", projection=self.projection.name, reason=str(mismatch))
        self.superseded = mismatch
        if self._app is not None:
            self._app.exit()

    async def handle_batch(self, raws: list[Msg]) -> None:
        """Apply one batch; raising makes the consumer retry it in place. A batch that keeps
        failing (not for want of a database) is applied event by event from the store, and
        the events that fail are parked as dead letters. A schema of another version is
        never written to (nor are its events parked): the batch stays unacknowledged."""
        if self.superseded is not None:
            raise self.superseded
        try:
            await self._handle(raws)
            self._failures = 0
            return
        except VersionMismatch as mismatch:
            self._supersede(mismatch)
            raise
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

    def _previous(self, headers: dict[str, str], position: int) -> int:
        """The event before this one in our partition, as the relay stamped it; an event
        stamped for other partitions (relayed before the number changed) says nothing, and
        whatever of ours precedes it is filled from the store."""
        stamped = headers.get(bus.PARTITION, "0/1")  # relayed before partitions existed
        ours = f"{self.slot.index if self.slot else 0}/{self.settings.projector_partitions}"
        return int(headers[bus.PREVIOUS_POSITION]) if stamped == ours else position - 1

    async def _handle(self, raws: list[Msg]) -> None:
        pairs = []
        async with self._lock:
            await self._connect()
            wanted = [self.projection.wants((r.headers or {})[bus.WIRE_NAME]) for r in raws]
            # keys are read now, never cached; only the wanted events are decoded at all
            states = (r.data for r, w in zip(raws, wanted, strict=True) if w)
            keys = await keys_for(self.conn, states)
        for r, w in zip(raws, wanted, strict=True):
            h = r.headers or {}
            place = int(h[bus.POSITION]), UUID(h[bus.AGGREGATE_ID]), int(h[bus.VERSION])
            recorded = (
                decode(self.runner.mapper, *place, h[bus.WIRE_NAME], r.data, keys)
                if w
                else skipped(*place, h[bus.WIRE_NAME])
            )
            pairs.append((self._previous(h, recorded.position), recorded))
            log.debug(
                "projector.event",
                projection=self.projection.name,
                position=recorded.position,
                correlation_id=h.get(bus.CORRELATION_ID),
                partition=str(self.slot) if self.slot else None,
            )
        async with self._lock:
            await self._connect()
            self.position = await self.runner.apply(self.conn, pairs)
        await self.consumer.ack(raws)
        labels = self.projection.name, str(self.slot.index) if self.slot else "all"
        metrics.PROJECTION_POSITION.labels(*labels).set(self.position)
        metrics.PROJECTION_APPLIED.labels(*labels).inc()
        log.debug(
            "projector.batch",
            projection=self.projection.name,
            size=len(raws),
            position=self.position,
        )


def _slot(settings: Settings) -> Slot | None:
    if settings.projector_partitions <= 1:
        return None
    if settings.projector_partition is None:
        raise SystemExit(
            "CHRONICLE_PROJECTOR_PARTITIONS > 1: give each worker its partition "
            "(`chronicle run projector NAME --partition P`)"
        )
    if settings.projector_partition >= settings.projector_partitions:
        raise SystemExit("the partition must be below CHRONICLE_PROJECTOR_PARTITIONS")
    return Slot(settings.projector_partition, settings.projector_partitions)
