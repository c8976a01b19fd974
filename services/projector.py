"""The projector host: any set of read models fed from one durable consumer (per partition).

Each batch from the events stream is fetched once, checked once (the relay's MAC, and no
position beyond the store's head: adapters/bus/auth.py), decoded once (the events some
hosted model reads) and applied to every hosted model in one transaction
(projections/engine/group.py), each model keeping its own position. A message that is
not Chronicle's is parked with its reason and otherwise treated as never delivered: the
real event at its place is read from the store.

On start the host catches up straight from the event store (bulk reads), then follows the
stream. New durable consumers start at new messages: whatever was published before is
covered by the catch-up, and any gap is filled from the store.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime

import psycopg
import structlog
from faststream import FastStream
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters import bus, metrics
from adapters.bus import auth as bus_auth
from adapters.bus.consumer import PullConsumer
from adapters.bus.pull import delivery
from adapters.hosting import runtime
from adapters.hosting.runtime import HostedService, Watchdog
from adapters.migrations import ensure_store
from adapters.settings import Settings
from projections.engine.base import Projection, VersionMismatch
from projections.engine.batch import BatchReader, park_event
from projections.engine.group import GroupRunner
from projections.engine.partitioning import adopt
from projections.engine.source import Slot, backlog, max_position

log = structlog.get_logger()
MAX_ATTEMPTS = 3


def durable_name(names: list[str], every: list[str], slot: Slot | None) -> str:
    """One durable consumer per group of models (and partition): all models share
    `chronicle-projectors`; a group of some of them gets a name of its own."""
    base = "chronicle-projectors"
    if sorted(names) != sorted(every):
        base += "-" + hashlib.sha256(",".join(sorted(names)).encode()).hexdigest()[:10]
    return base + (f"-p{slot.index}" if slot else "")


class ProjectorHost(HostedService):
    def __init__(self, settings: Settings, projections: list[Projection], every: list[str]):
        self.settings = settings
        self.slot = _slot(settings)
        self.group = GroupRunner(projections, slot=self.slot)
        self.names = [p.name for p in self.group.projections]
        self.durable = durable_name(self.names, every, self.slot)
        self.positions: dict[str, int] = {}
        self.conn: psycopg.AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._failures = 0
        self._app: FastStream | None = None
        self.superseded: VersionMismatch | None = None
        self.broker = runtime.broker(settings.nats_url, self.durable)
        self.consumer = PullConsumer(
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
        )

    @property
    def position(self) -> int:
        """Every hosted model has applied everything up to here."""
        return min(self.positions.values(), default=0)

    async def prepare(self) -> None:
        await asyncio.to_thread(ensure_store, self.settings.database_url)
        await bus.await_streams(self.nc.jetstream(), bus.StreamLimits.of(self.settings))
        key = bus_auth.load_key(self.settings.data_dir, self.settings.bus_key)
        self.reader = BatchReader(key, self.group, self.slot, self.settings.projector_partitions)
        await self._connect()
        for projection in self.group.projections:
            await projection.create(self.conn)
            await adopt(self.conn, projection, self.settings.projector_partitions)
        await self.catch_up()

    async def begin(self) -> None:
        self.watchdog = Watchdog(
            "projectors" + (f".p{self.slot.index}" if self.slot else ""),
            self._probe,
            self.settings.watch_interval,
            self.settings.stuck_after,
        )
        self.watchdog.start()
        await self.consumer.start(self.nc)
        await self.catch_up()  # what was published before our consumer existed
        partition = str(self.slot.index) if self.slot else "all"
        for name, position in self.positions.items():  # true from the start
            metrics.projections().position.labels(name, partition).set(position)
            metrics.projections().batches.labels(name, partition)  # 0, not absent
        log.info("projectors.started", models=self.names, position=self.position)

    async def finish(self) -> None:
        if self.watchdog:
            await self.watchdog.stop()
        await self.consumer.stop()

    async def close(self) -> None:
        if self.conn:
            await self.conn.close()

    async def _probe(self) -> tuple[int, int]:
        """(least position, events the least advanced model has still to apply); a model
        ahead of the store's head counts as negative: an error, never lag 0."""
        async with await psycopg.AsyncConnection.connect(
            self.settings.database_url, autocommit=True
        ) as conn:
            if self.slot is not None:
                async with self._lock:
                    for runner in self.group.runners:
                        position = await runner.advance_idle(conn)
                        self.positions[runner.projection.name] = position
            head = await max_position(conn)
            behind, oldest = await backlog(conn, self.position, self.slot)
        seconds = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        partition = str(self.slot.index) if self.slot else "all"
        for name, position in self.positions.items():
            lag = behind if position == self.position else max(head - position, 0)
            metrics.projections().position.labels(name, partition).set(position)
            metrics.projections().lag_events.labels(name, partition).set(lag)
            metrics.projections().lag_seconds.labels(name, partition).set(max(seconds, 0.0))
        ahead = max(self.positions.values(), default=0) - head
        return self.position, -ahead if ahead > 0 else behind

    async def catch_up(self) -> None:
        """Apply what the store holds beyond the models' positions (at start, a backlog of
        any size): read over a second connection, each next batch while this one is
        written, as `rebuild --all` reads (engine/source.py, read_ahead)."""
        async with self._lock:
            await self._connect()
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.settings.database_url,
                    autocommit=True,
                    connect_timeout=10,
                    options="-c jit=off",  # as the host's own connection (_connect)
                ) as source:
                    self.positions = await self.group.catch_up(self.conn, source=source)
            except VersionMismatch as mismatch:
                self._supersede(mismatch)
                raise

    async def _connect(self) -> None:
        if self.conn is None or self.conn.closed:
            self.conn = await psycopg.AsyncConnection.connect(
                self.settings.database_url,
                autocommit=True,
                connect_timeout=10,
                # A read model's rows and position commit together, and both come again
                # from the store: a crash may take the last commits back, never half of
                # one, so the host need not wait for each to reach the disk. No JIT: see
                # adapters/eventstore/connection.py.
                options="-c synchronous_commit=off -c jit=off",
            )

    def app(self) -> FastStream:
        self._app = super().app()
        return self._app

    def _supersede(self, mismatch: VersionMismatch) -> None:
        """A hosted model's live schema was swapped for another version's (a rollout by
        `chronicle rebuild`): write nothing more. Under `chronicle run` the process ends,
        so its supervisor starts it again with the code now installed."""
        if self.superseded is None:
            log.error("projectors.superseded", reason=str(mismatch))
        self.superseded = mismatch
        if self._app is not None:
            self._app.exit()

    async def handle_batch(self, raws: list[Msg]) -> None:
        """Apply one batch; raising makes the consumer retry it in place. A batch that keeps
        failing (not for want of a database) is applied model by model, event by event,
        from the store, and the events a model fails on are parked as dead letters."""
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
            delivered = max(delivery(r)[1] for r in raws)
            if self._failures + delivered - 1 < MAX_ATTEMPTS:
                raise
        log.error("projectors.isolating", models=self.names, size=len(raws))
        async with self._lock:
            await self._connect()
            upto = min(self.reader.last_genuine, await max_position(self.conn))
            for runner in self.group.runners:
                name = runner.projection.name

                async def park(conn, row, error, name=name):
                    await park_event(conn, f"projection:{name}", row, error)

                self.positions[name] = await runner.apply_isolating(self.conn, upto, park)
        await self.consumer.ack(raws)
        self._failures = 0

    async def _handle(self, raws: list[Msg]) -> None:
        async with self._lock:
            await self._connect()
            pairs = await self.reader.read(self.conn, raws, self.durable)
            if pairs:
                self.positions = await self.group.apply(self.conn, pairs, head=self.reader.head)
        await self.consumer.ack(raws)
        partition = str(self.slot.index) if self.slot else "all"
        for name, position in self.positions.items():
            metrics.projections().position.labels(name, partition).set(position)
            metrics.projections().batches.labels(name, partition).inc()
        log.debug("projectors.batch", size=len(raws), position=self.position)


def _slot(settings: Settings) -> Slot | None:
    if settings.projector_partitions <= 1:
        return None
    if settings.projector_partition is None:
        raise SystemExit(
            "CHRONICLE_PROJECTOR_PARTITIONS > 1: give each host its partition "
            "(`chronicle run projectors --partition P`)"
        )
    if settings.projector_partition >= settings.projector_partitions:
        raise SystemExit("the partition must be below CHRONICLE_PROJECTOR_PARTITIONS")
    return Slot(settings.projector_partition, settings.projector_partitions)
