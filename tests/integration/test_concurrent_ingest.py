"""Several ingest writers: races on one aggregate are retried and lose nothing; several
partitioned workers keep each aggregate's order."""

import threading
from itertools import zip_longest

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from adapters import bus
from adapters.eventstore import EventStore
from chronicle_tools.workload import Producer, demo_workload
from domain.conversation import Conversation
from services.ingest.processor import IngestProcessor
from services.ingest.service import IngestService
from services.ingest.validation import Incoming
from tests.support.bus import consumer_backlog, publish_all
from tests.support.scenario import START

pytestmark = pytest.mark.integration
DANA = ("user", "u_17", "Dana")


def test_writers_racing_on_the_same_conversations_retry_and_lose_no_update(database_url):
    setup = Producer("ws_race", "setup")
    with EventStore(database_url) as store:
        IngestProcessor(store).process(
            [
                Incoming(m.subject, m.body)
                for m in [
                    setup.envelope(
                        "conversation.opened",
                        {"conversation_id": f"conv_{n}", "channel": "sms"},
                        DANA,
                        START,
                    )
                    for n in range(3)
                ]
            ]
        )
    writers = [IngestProcessor(EventStore(database_url)) for _ in range(3)]

    def write(number: int, processor: IngestProcessor) -> None:
        p = Producer("ws_race", f"w{number}")
        for round_ in range(15):
            batch = [
                p.envelope(type_, {"conversation_id": f"conv_{n}", **data}, DANA, START)
                for n in range(3)
                for type_, data in (
                    ("conversation.tag_added", {"tag": f"w{number}r{round_}"}),
                    (
                        "conversation.message_received",
                        {"message_id": f"w{number}r{round_}", "body": "hi"},
                    ),
                )
            ]
            while True:  # as the consumer does: a batch that lost too many races is retried
                try:
                    outcomes = processor.process([Incoming(m.subject, m.body) for m in batch])
                    break
                except IntegrityError:
                    continue
            assert {o.status for o in outcomes} == {"accepted"}

    threads = [threading.Thread(target=write, args=(n, w)) for n, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in writers:
        w.store.close()
    with EventStore(database_url) as store:
        for n in range(3):
            conversation = store.repository.get(Conversation.id_for("ws_race", f"conv_{n}"))
            assert len(conversation.tags) == len(conversation.message_ids) == 45
    assert sum(w.conflicts for w in writers) > 0  # the race really happened, and was retried


async def test_partitioned_workers_keep_each_aggregates_order(settings):
    settings = settings.model_copy(update={"ingest_partitions": 3})
    workers = [IngestService(settings.model_copy(update={"ingest_partition": p})) for p in range(3)]
    for worker in workers:
        await worker.start()
    try:
        streams = [demo_workload(40 + n, f"ws_part{n}", f"p{n}") for n in range(9)]
        interleaved = [m for group in zip_longest(*streams) for m in group if m is not None]
        await publish_all(settings.nats_url, interleaved)

        async def drained():
            backlogs = [
                await consumer_backlog(settings.nats_url, bus.INGEST_STREAM, w.durable)
                for w in workers
            ]
            return sum(backlogs) == 0

        from tests.support.waiting import until

        await until(drained, within=60, what="every partition drained")
    finally:
        for worker in workers:
            await worker.stop()
    with psycopg.connect(settings.database_url) as conn:
        ledger = conn.execute("SELECT count(*) FROM ingest_envelopes").fetchone()[0]
        rejects = conn.execute("SELECT subject, reason FROM ingest_rejects").fetchall()
    sent = sum(len(s) for s in streams)
    assert rejects == []  # a reopen before its resolve would have broken a rule
    assert ledger == sent == len(interleaved)
    assert all(w.batches > 0 for w in workers)  # every worker had a share
