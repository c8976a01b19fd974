"""The ingest service, hosted by FastStream, fed by a durable JetStream pull consumer.

Messages are taken as ordered batches (so per-aggregate order holds), applied in one
transaction, answered, and only then acknowledged. A failed batch is retried in place;
should the process die instead, the batch is redelivered and the durable envelope
ledger makes the repeat harmless.
"""

from __future__ import annotations

import asyncio

import msgspec
import structlog
from faststream.nats import NatsMessage
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters import bus, metrics
from adapters.bus import auth as bus_auth
from adapters.bus.consumer import PullConsumer
from adapters.bus.pull import delivery
from adapters.eventstore import EventStore
from adapters.hosting import runtime
from adapters.hosting.runtime import HostedService, Watchdog
from adapters.migrations import ensure_store
from adapters.settings import Settings
from services.ingest.gaps import Coverage
from services.ingest.processor import IngestProcessor, Outcome
from services.ingest.validation import Incoming

log = structlog.get_logger()
DURABLE = "chronicle-ingest"
ACK_WAIT = 10.0  # seconds; a crashed worker's batch comes back after this


class IngestService(HostedService):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        batch = settings.ingest_batch_size
        self.durable = bus.ingest_durable(settings.ingest_partition)
        self.broker = runtime.broker(settings.nats_url, self.durable)
        self.broker.subscriber(
            bus.REQUEST_SUBJECTS, queue="chronicle-ingest-gateway", no_reply=True
        )(self.handle_request)
        self.consumer = PullConsumer(
            bus.INGEST_STREAM,
            ConsumerConfig(
                durable_name=self.durable,
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=JsAckPolicy.ALL,  # a batch is acknowledged by its last message
                ack_wait=ACK_WAIT,
                max_deliver=-1,
                max_ack_pending=batch,  # nothing newer is handed out while a batch is open
                **_filters(
                    bus.ingest_filters(settings.ingest_partition, settings.ingest_partitions)
                ),
            ),
            batch,
            self.handle_batch,
        )
        self.processor: IngestProcessor | None = None
        self.coverage = Coverage(
            bus.ingest_filters(settings.ingest_partition, settings.ingest_partitions)
        )
        self.batches = 0

    async def prepare(self) -> None:
        self.key = bus_auth.load_key(self.settings.data_dir, self.settings.bus_key)
        await bus.await_streams(self.nc.jetstream(), bus.StreamLimits.of(self.settings))
        await asyncio.to_thread(ensure_store, self.settings.database_url)
        store = await asyncio.to_thread(
            EventStore, self.settings.database_url, create_tables=False
        )  # ensure_store made them
        self.processor = IngestProcessor(store, self.settings.aggregate_cache_size)
        metrics.ingest()  # its series exist from the start, at zero

    async def begin(self) -> None:
        await self.consumer.start(self.nc)
        self.watchdog = Watchdog(
            "ingest", self._probe, self.settings.watch_interval, self.settings.stuck_after
        )
        self.watchdog.start()
        log.info("ingest.ready", durable=self.durable)

    async def _probe(self) -> tuple[int, int]:
        info = await self.nc.jetstream().consumer_info(bus.INGEST_STREAM, self.durable)
        backlog = info.num_pending + info.num_ack_pending
        metrics.ingest().backlog.set(backlog)
        return self.batches, backlog

    async def finish(self) -> None:
        if self.watchdog:
            await self.watchdog.stop()
        await self.consumer.stop()

    async def close(self) -> None:
        if self.processor:
            self.processor.store.close()

    async def handle_batch(self, raws: list[Msg]) -> None:
        """Apply one ordered batch, after any message delivered before it but never received
        (services/ingest/gaps.py); raising makes the consumer retry it in place."""
        incoming = []
        for r in raws:
            seq, deliveries = delivery(r)
            incoming.append(
                Incoming(r.subject, r.data, dict(r.headers or {}), seq, deliveries or 1)
            )
        js = self.nc.jetstream()
        if not self.coverage.started:  # from what earlier processes acknowledged
            await self.coverage.start(js, self.durable)
        lost = await self.coverage.missing(js, min(i.stream_seq for i in incoming))
        if lost:
            log.warning(
                "ingest.recovered_lost_deliveries", count=len(lost), first=lost[0].stream_seq
            )
            incoming = lost + incoming
        outcomes = await asyncio.to_thread(self.processor.process, incoming)
        for item, outcome in zip(incoming, outcomes, strict=True):
            await self._announce(item, outcome)
        await self.consumer.ack(raws)
        self.coverage.applied([i.stream_seq for i in incoming])
        self.batches += 1
        for outcome in outcomes:
            metrics.ingest().envelopes.labels(outcome.status).inc()
        metrics.ingest().events_stored.inc(
            sum(o.events for o in outcomes if o.status == "accepted")
        )
        log.debug(
            "ingest.batch", size=len(raws), accepted=sum(o.status == "accepted" for o in outcomes)
        )

    async def _announce(self, item: Incoming, outcome: Outcome) -> None:
        """The verdict to a requesting producer, and a notice of every reject, each with
        the producer's correlation id and the Nats-Msg-Id of the message it answers."""
        correlation_id = correlation_of(item, outcome)
        log.debug(
            "ingest.outcome",
            status=outcome.status,
            envelope_id=outcome.envelope_id,
            correlation_id=correlation_id,
            position=outcome.position,
        )
        reply = msgspec.json.encode({**outcome.reply(), "correlation_id": correlation_id})
        headers = answer_headers(item, correlation_id)
        nc = self.nc
        if outcome.status == "rejected":
            log.warning(
                "ingest.rejected",
                envelope_id=outcome.envelope_id,
                workspace_id=outcome.workspace_id,
                reasons=outcome.reasons,
                subject=item.subject,
                correlation_id=correlation_id,
            )
            await nc.publish(bus.rejected_subject(outcome.workspace_id), reply, headers=headers)
        reply_to = bus_auth.reply_subject(self.key, item.headers, item.data)
        if reply_to:  # set by our gateway, never by whoever published the message
            await nc.publish(reply_to, reply, headers=headers)

    async def handle_request(self, msg: NatsMessage) -> None:
        """Request/reply producers: forward into the durable stream; the answer follows
        from the ingest consumer once the envelope is committed (or rejected)."""
        raw: Msg = msg.raw_message
        if not raw.reply:
            return
        subject = bus.ingest_of_request(raw.subject)
        headers = {k: v for k, v in (raw.headers or {}).items()}
        headers[bus.REPLY_TO] = raw.reply
        headers[bus_auth.REPLY_HEADER] = bus_auth.sign_reply(self.key, raw.reply, raw.data)
        # The ingest stream keeps no duplicate window (adapters/bus/streams.py): a repeat is
        # stored and the ledger answers it, with the original's position.
        # Published as the producer's own bytes and headers, plus ours: FastStream's publish
        # would add headers of its own (content-type, a second correlation id).
        js = self.nc.jetstream()
        await js.publish(subject, raw.data, headers=headers, stream=bus.INGEST_STREAM)


def correlation_of(item: Incoming, outcome: Outcome) -> str:
    """The producer's correlation id; else the envelope id (what its stored events carry
    too); else, for a body with no id to read, the message's place on the ingest stream."""
    return (
        item.headers.get(bus.CORRELATION_ID)
        or outcome.envelope_id
        or f"{bus.INGEST_STREAM}-{item.stream_seq}"
    )


def answer_headers(item: Incoming, correlation_id: str) -> dict[str, str]:
    """What ties an answer to the message it answers, however unreadable its body was."""
    headers = {
        bus.CORRELATION_ID: correlation_id,
        bus.ANSWERED_SUBJECT: item.subject,
        bus.INGEST_SEQUENCE: str(item.stream_seq),
    }
    msg_id = item.headers.get(bus.MSG_ID)
    if msg_id:
        headers[bus.MSG_ID] = msg_id
    return headers


def _filters(subjects: list[str]) -> dict:
    """One filter goes as `filter_subject`, which nats-server before 2.10 understands."""
    return {"filter_subject": subjects[0]} if len(subjects) == 1 else {"filter_subjects": subjects}
