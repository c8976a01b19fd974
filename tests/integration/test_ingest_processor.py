"""The ingest processor against a real event store: every message gets one outcome."""

import msgspec
import psycopg
import pytest

from adapters.eventstore import EventStore
from services.ingest.processor import MAX_BATCH, IngestProcessor
from services.ingest.validation import Incoming

pytestmark = pytest.mark.integration


@pytest.fixture
def processor(database_url):
    processor = IngestProcessor(EventStore(database_url))
    yield processor
    processor.store.close()


def message(envelope_id, type_, data, seq=None, ws="ws_acme"):
    body = msgspec.json.encode(
        {
            "id": envelope_id,
            "type": type_,
            "workspace_id": ws,
            "occurred_at": "2026-11-20T09:15:00Z",
            "actor": {"type": "user", "id": "u_17"},
            "data": data,
        }
    )
    return Incoming(f"audit.ingest.{ws}.{type_}", body, {}, seq)


OPEN = ("conversation.opened", {"conversation_id": "c1", "channel": "email"})
RESOLVE = ("conversation.resolved", {"conversation_id": "c1"})
REOPEN = ("conversation.reopened", {"conversation_id": "c1"})


def statuses(outcomes):
    return [o.status for o in outcomes]


def test_accepted_envelopes_answer_with_their_position(processor):
    outcomes = processor.process([message("e1", *OPEN, 1), message("e2", *RESOLVE, 2)])
    assert statuses(outcomes) == ["accepted", "accepted"]
    assert [o.position for o in outcomes] == [1, 2]


def test_the_same_envelope_later_is_a_duplicate_and_stores_nothing(processor, database_url):
    processor.process([message("e1", *OPEN, 1)])
    processor.cache.clear()  # as after a restart, months later
    (outcome,) = processor.process([message("e1", *OPEN, 99)])
    assert (outcome.status, outcome.position) == ("duplicate", 1)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM chronicle_events").fetchone()[0] == 1
        assert conn.execute("SELECT repeats FROM ingest_envelopes").fetchone()[0] == 1


def test_a_repeat_within_one_batch_is_a_duplicate_of_the_first(processor):
    outcomes = processor.process([message("e1", *OPEN, 1), message("e1", *OPEN, 2)])
    assert statuses(outcomes) == ["accepted", "duplicate"]
    assert outcomes[1].position == outcomes[0].position


def test_a_broken_rule_is_rejected_with_the_rule_and_kept(processor, database_url):
    outcomes = processor.process([message("e1", *OPEN, 1), message("e2", *REOPEN, 2)])
    assert statuses(outcomes) == ["accepted", "rejected"]
    assert outcomes[1].reasons[0]["rule"] == "conversation.reopen_requires_resolved"
    with psycopg.connect(database_url) as conn:
        kept = conn.execute("SELECT envelope_id, stream_seq, reason FROM ingest_rejects").fetchall()
    assert kept[0][:2] == ("e2", 2)
    assert kept[0][2][0]["rule"] == "conversation.reopen_requires_resolved"


def test_a_redelivered_reject_stays_rejected_even_if_it_would_now_pass(processor, database_url):
    processor.process([message("e1", *OPEN, 1), message("e2", *REOPEN, 2)])
    processor.process([message("e3", *RESOLVE, 3)])
    (again,) = processor.process([message("e2", *REOPEN, 2)])  # same stream message again
    assert again.status == "rejected"
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM ingest_rejects").fetchone()[0] == 1
        types = conn.execute("SELECT topic FROM chronicle_events ORDER BY notification_id")
        assert [t for (t,) in types] == ["conversation.opened.v1", "conversation.resolved.v1"]


def test_a_command_for_a_conversation_never_opened_is_rejected(processor):
    (outcome,) = processor.process([message("e1", *RESOLVE, 1)])
    assert outcome.status == "rejected"
    assert outcome.reasons[0]["field"] == "data.conversation_id"


def test_a_repeated_command_is_accepted_but_records_no_event(processor):
    outcomes = processor.process(
        [message("e1", *OPEN, 1), message("e2", *RESOLVE, 2), message("e3", *RESOLVE, 3)]
    )
    assert statuses(outcomes) == ["accepted"] * 3
    assert (outcomes[2].events, outcomes[2].position) == (0, None)


def test_a_writer_that_lost_a_race_retries_from_the_store(processor, database_url):
    other = IngestProcessor(EventStore(database_url))
    try:
        processor.process([message("e1", *OPEN, 1)])
        other.process([message("e2", *RESOLVE, 2)])  # our cache does not know of this
        (outcome,) = processor.process([message("e3", *REOPEN, 3)])
    finally:
        other.store.close()
    assert outcome.status == "accepted"  # it reloaded the conversation and saw it resolved


def test_an_envelope_another_writer_stored_first_is_retried_and_answered_duplicate(
    processor, database_url
):
    processor.process([message("e1", *OPEN, 1)])
    other = IngestProcessor(EventStore(database_url))
    looked = []

    def stale_lookup(keys):  # as if it looked before the first writer committed
        looked.append(keys)
        return {} if len(looked) == 1 else IngestProcessor._known_envelopes(other, keys)

    other._known_envelopes = stale_lookup
    try:
        # With an envelope that records events, so the ledger rows go in after the events.
        fresh = message("e9", "conversation.opened", {"conversation_id": "c2", "channel": "sms"})
        outcomes = other.process([fresh, message("e1", *OPEN, 1)])
        assert other.conflicts == 1  # the ledger's key refused it, the batch was redone
    finally:
        other.store.close()
    assert [o.status for o in outcomes] == ["accepted", "duplicate"]
    assert outcomes[1].position == 1
    with psycopg.connect(database_url) as conn:
        ids = conn.execute("SELECT notification_id FROM chronicle_events ORDER BY 1").fetchall()
        rows = conn.execute("SELECT envelope_id, position FROM ingest_envelopes ORDER BY 1")
        assert rows.fetchall() == [("e1", 1), ("e9", outcomes[0].position)]
    assert [i for (i,) in ids] == [1, outcomes[0].position]  # the redone batch's, once


def test_a_large_input_goes_in_transactions_of_at_most_max_batch_in_order(processor, database_url):
    # given: a conversation opened, then three batches' worth of alternating commands
    steps = [OPEN] + [RESOLVE if n % 2 == 0 else REOPEN for n in range(2 * MAX_BATCH + 7)]
    messages = [message(f"big-{n}", *step) for n, step in enumerate(steps)]
    messages.append(message("big-0", *OPEN))  # the first again: a duplicate across batches
    outcomes = processor.process(messages)
    assert statuses(outcomes) == ["accepted"] * len(steps) + ["duplicate"]
    with psycopg.connect(database_url) as conn:
        topics = [t for (t,) in conn.execute(
            "SELECT topic FROM chronicle_events ORDER BY notification_id"
        )]  # fmt: skip
        transactions = conn.execute(
            "SELECT count(DISTINCT xmin::text) FROM ingest_envelopes"
        ).fetchone()[0]
    assert [t.rsplit(".", 1)[0] for t in topics] == [type_ for type_, _ in steps]
    assert transactions == 3


def test_nul_in_an_id_or_a_header_is_rejected_and_kept_not_retried_forever(processor, database_url):
    """PostgreSQL's text and jsonb take no NUL: a reject that quoted the raw id, or kept
    the raw headers, failed to save, and the batch (every workspace's ingest) was retried
    for ever. The envelope id is shared by two workspaces; the good ones go through."""
    with_nul = message("l-11\x00", *OPEN, 1)
    bad_header = message("e2", "conversation.opened", None, 2)
    bad_header.headers["X-Trace"] = "a\x00b"
    outcomes = processor.process(
        [with_nul, bad_header, message("l-11", *OPEN, 3), message("l-11", *OPEN, 4, ws="ws_b")]
    )
    assert statuses(outcomes) == ["rejected", "rejected", "accepted", "accepted"]
    assert outcomes[0].reasons == [{"field": "id", "problem": "must not contain NUL characters"}]
    assert any(r["field"] == "data" for r in outcomes[1].reasons), outcomes[1].reasons
    with psycopg.connect(database_url) as conn:
        kept = conn.execute(
            "SELECT envelope_id, headers, payload FROM ingest_rejects ORDER BY stream_seq"
        ).fetchall()
    assert [(envelope_id, headers) for envelope_id, headers, _ in kept] == [
        ("l-11\\u0000", None),
        ("e2", {"X-Trace": "a\\u0000b"}),
    ]
    assert bytes(kept[0][2]) == with_nul.data  # the input itself, byte for byte
