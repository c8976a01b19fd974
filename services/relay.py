"""The relay: publish every stored event, in notification order, to the events stream.

Exactly-once into the stream, in order, across crashes:
- each event is published with `Nats-Expected-Last-Sequence` = the stream sequence just
  before the one it must get, so JetStream refuses anything that would leave a gap or
  reorder the stream (a failed publish fails all that follow); a batch is published
  without waiting for each acknowledgement, and only its last message asks for one: it
  is accepted at its predicted sequence only if every message before it was;
- each event carries `Chronicle-MAC` (adapters/bus/auth.py), over its predicted stream
  sequence and everything a projector believes of it, so nothing else on the stream is
  taken for Chronicle's;
- on start, and after any failure, the relay resumes after the last *genuine* event the
  stream holds (a forged message at the tail is stepped over), so nothing is skipped and
  nothing is published twice;
- a PostgreSQL advisory lock keeps a single active relay.
"""

from __future__ import annotations

import asyncio
import contextlib

import msgspec
import nats.errors
import nats.js.errors
import psycopg
import structlog
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from adapters import bus, metrics, signing
from adapters.bus import auth as bus_auth
from adapters.eventstore import reads
from adapters.hosting import runtime
from adapters.hosting.runtime import HostedService, Watchdog, events_after
from adapters.migrations import ensure_store
from adapters.retry import Backoff, Stopped, retry
from adapters.settings import Settings
from services.audit.signing_round import signing_round
from services.audit.verify import checkpoint

log = structlog.get_logger()
LOCK_KEY = 7_114_245_001  # pg advisory lock id of the single active relay
PUBLISH_TIMEOUT = 30.0


class _Meta(msgspec.Struct):
    workspace_id: str
    correlation_id: str | None = None


class _Routing(msgspec.Struct):
    meta: _Meta


_routing = msgspec.json.Decoder(_Routing)


class StreamTail(msgspec.Struct):
    """Where the events stream ends: the position of its last genuine event (None: none
    found) and its last sequence (a forged message's included)."""

    position: int | None
    last_seq: int


TAIL_SCAN = 1000  # messages looked at, back from the end, for the last genuine one


async def stream_tail(js: JetStreamContext, key: bytes) -> StreamTail:
    info = await js.stream_info(bus.EVENTS_STREAM)
    last = info.state.last_seq
    if info.state.messages:
        first = max(info.state.first_seq, last - TAIL_SCAN + 1)
        for seq in range(last, first - 1, -1):
            with contextlib.suppress(NotFoundError):
                msg = await js.get_msg(bus.EVENTS_STREAM, seq=seq)
                headers = dict(msg.headers or {})
                if bus_auth.check(key, seq, headers, msg.data or b"") is None:
                    return StreamTail(int(headers[bus.POSITION]), last)
                log.warning("relay.not_genuine", stream_seq=seq)
    return StreamTail(None, last)


class Relay(HostedService):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.position = 0
        self.published = 0
        self.broker = runtime.broker(settings.nats_url, "chronicle-relay")
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.checkpoint_rounds = 0

    async def prepare(self) -> None:
        await asyncio.to_thread(ensure_store, self.settings.database_url)

    async def _checkpoints(self) -> None:
        """Sign every workspace's chain head and tree head now and then (docs/auditing.md)."""

        key = signing.private_key(self.settings.data_dir, self.settings.signing_key)
        url = self.settings.database_url
        while not self._stop.is_set():
            await _pause(self._stop, self.settings.checkpoint_interval)
            if self._stop.is_set():
                return
            try:
                made = await asyncio.to_thread(checkpoint, url, key)
                heads = await signing_round(url, key, self.settings.witnesses)  # and trees'
                self.checkpoint_rounds += 1
                if made or heads:
                    log.info("relay.checkpoints", signed=len(made), tree_heads=len(heads))
            except Exception as error:  # a missed checkpoint is retried at the next interval
                log.warning("relay.checkpoint_failed", error=repr(error))

    async def begin(self) -> None:
        if self.settings.checkpoint_interval > 0:
            self._signer = asyncio.create_task(self._checkpoints(), name="checkpoints")
        self.watchdog = Watchdog(
            "relay", self._probe, self.settings.watch_interval, self.settings.stuck_after
        )
        self.watchdog.start()
        self._stop.clear()
        self._task = asyncio.create_task(self.run(self._stop), name="relay")

    async def _probe(self) -> tuple[int, int]:
        behind = await events_after(self.settings.database_url, self.position)
        metrics.relay().lag.set(behind)
        return self.position, behind

    async def finish(self) -> None:
        if self.watchdog:
            await self.watchdog.stop()
        self._stop.set()
        if getattr(self, "_signer", None):
            await self._signer
        if self._task:
            await self._task

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop`, on the service's connection (open since `prepare`); any
        failure of the bus or the store starts over from the stream's tail."""
        self.key = bus_auth.load_key(self.settings.data_dir, self.settings.bus_key)
        nc = self.nc
        js = nc.jetstream()
        await bus.await_streams(js, bus.StreamLimits.of(self.settings))
        url = self.settings.database_url

        async def once() -> None:  # returns when `stop` is set
            async with (
                await psycopg.AsyncConnection.connect(
                    url,
                    autocommit=True,
                    connect_timeout=10,
                    # its bookmark is a hint (it resumes from the stream's tail)
                    options="-c synchronous_commit=off",
                ) as db,
                await psycopg.AsyncConnection.connect(
                    url, autocommit=True, connect_timeout=10
                ) as listener,
            ):
                if not await self._lead(db, stop):
                    return  # stopped while standing by: it never led
                await reads.listen(listener)
                await self._relay(nc, js, db, listener, stop)

        with contextlib.suppress(Stopped):
            # A flat second: `once` runs for days between failures, a backoff would only grow.
            flat = Backoff(first=1.0, most=1.0)
            await retry(once, on=bus_errors(), what="relay.retry", backoff=flat, stop=stop)

    async def _lead(self, db: psycopg.AsyncConnection, stop: asyncio.Event) -> bool:
        """Wait to be the one relay that publishes; False when stopped first."""
        while not stop.is_set():
            row = await (
                await db.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
            ).fetchone()
            if row[0]:
                log.info("relay.leading")
                return True
            await _pause(stop, 1.0)
        return False

    async def _relay(self, nc, js: JetStreamContext, db, listener, stop: asyncio.Event) -> None:
        tail = await stream_tail(js, self.key)
        stored = await self._stored_position(db)
        self.position = tail.position if tail.position is not None else stored
        seq = tail.last_seq  # the sequence the stream's next message will get, minus one
        stamps = PartitionStamps(self.settings.projector_partitions, self.position)
        log.info("relay.resume", position=self.position, stream_seq=seq)
        metrics.relay().position.set(self.position)  # true from the start, not after a publish
        reading = asyncio.create_task(self._read(db, self.position))
        try:
            await self._publish_all(nc, js, db, listener, stop, stamps, seq, reading)
        finally:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError, psycopg.Error):
                await self._reading

    async def _publish_all(self, nc, js, db, listener, stop, stamps, seq, reading) -> None:
        self._reading = reading
        while not stop.is_set():
            rows = await reading
            if not rows:
                await _wait_notify(listener, stop, 0.5)
                reading = self._reading = asyncio.create_task(self._read(db, self.position))
                continue
            *rest, last = rows
            for row in rest:  # no acknowledgement asked: the last one's covers them
                seq += 1
                subject, headers = _message(row, stamps, seq, self.key)
                await nc.publish(subject, bytes(row[4]), headers=headers)
            seq += 1
            subject, headers = _message(last, stamps, seq, self.key)
            reading = self._reading = asyncio.create_task(self._read(db, last[0]))  # during the ack
            ack = await js.publish(
                subject, bytes(last[4]), headers=headers, timeout=PUBLISH_TIMEOUT
            )
            if ack.seq != seq or ack.duplicate:
                raise OutOfStep(f"the stream took position {last[0]} at {ack.seq}, not {seq}")
            self.position = last[0]
            self.published += len(rows)
            metrics.relay().position.set(self.position)
            metrics.relay().published.inc(len(rows))
            await db.execute(
                "INSERT INTO relay_position (name, position) VALUES ('events', %s) "
                "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()",
                (self.position,),
            )
            log.debug("relay.published", count=len(rows), position=self.position)

    async def _read(self, db, after: int) -> list[tuple]:
        return await reads.after(db, after, self.settings.relay_batch_size)

    @staticmethod
    async def _stored_position(db) -> int:
        row = await (
            await db.execute("SELECT position FROM relay_position WHERE name = 'events'")
        ).fetchone()
        return row[0] if row else 0


class PartitionStamps:
    """The previous position each event carries: the last event relayed in its partition
    (the whole stream when not partitioned); after a restart, the first event of each
    partition names the floor, and a projector fills what it lacks below it from the store."""

    def __init__(self, partitions: int, floor: int) -> None:
        self.partitions, self.floor = partitions, floor
        self.last: dict[int, int] = {}

    def stamp(self, workspace_id: str, position: int) -> tuple[int, int]:
        """(partition, previous position in it) for the event at `position`."""
        partition = bus.partition_of(workspace_id, self.partitions) if self.partitions > 1 else 0
        previous = self.last.get(partition, self.floor)
        self.last[partition] = position
        return partition, previous


class OutOfStep(RuntimeError):
    """The stream did not take a batch where the relay predicted: resume from its tail."""


def _message(row: tuple, stamps: PartitionStamps, seq: int, key: bytes) -> tuple[str, dict]:
    notification_id, originator_id, version, topic, state = row
    meta = _routing.decode(state).meta
    partition, partition_previous = stamps.stamp(meta.workspace_id, notification_id)
    position = str(notification_id)
    headers = {
        bus.MSG_ID: position,
        bus.POSITION: position,
        bus.PREVIOUS_POSITION: str(partition_previous),
        bus.PARTITION: f"{partition}/{stamps.partitions}",
        bus.WIRE_NAME: topic,
        bus.AGGREGATE_ID: str(originator_id),
        bus.VERSION: str(version),
        bus.CORRELATION_ID: meta.correlation_id or "",
        bus.EXPECTED_LAST_SEQUENCE: str(seq - 1),
    }
    headers[bus_auth.HEADER] = bus_auth.sign(key, seq, headers, bytes(state))
    log.debug(
        "relay.event",
        position=notification_id,
        correlation_id=meta.correlation_id,
        partition=headers[bus.PARTITION],
    )
    return bus.event_subject(topic, meta.workspace_id, originator_id.hex), headers


def bus_errors() -> tuple[type[BaseException], ...]:

    return (
        nats.errors.Error,
        nats.js.errors.Error,
        asyncio.TimeoutError,
        psycopg.OperationalError,
        OutOfStep,
    )


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _wait_notify(listener: psycopg.AsyncConnection, stop: asyncio.Event, seconds: float):
    if stop.is_set():
        return
    async for _ in listener.notifies(timeout=seconds, stop_after=1):
        return
