"""Email envelopes through the ingest processor into the real event store: the address
index, duplicates across paths, and raw messages that cannot be recorded kept as rejects."""

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from adapters.eventstore import EventStore
from chronicle_tools.workload import Producer
from services.ingest.processor import IngestProcessor
from services.ingest.validation import Incoming

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).resolve().parents[1] / "emails" / "corpus"
DANA = ("user", "u_17", "Dana")
POLLER = ("system", "chronicle-poller", None)


def envelopes(*steps):
    p = Producer("ws_mail", "t")
    start = datetime.now(UTC) - timedelta(hours=1)
    return [
        Incoming(m.subject, m.body, {"Nats-Msg-Id": m.envelope_id}, n + 1)
        for n, m in enumerate(
            p.envelope(t, d, a, start + timedelta(seconds=n)) for n, (t, d, a) in enumerate(steps)
        )
    ]


def raw_of(name: str) -> dict:
    data = base64.b64encode((CORPUS / name).read_bytes()).decode()
    return {"mailbox_id": "mb_support", "raw": data, "via": "imap"}


ANN = (
    "contact.added",
    {"contact_id": "c_ann", "source": "user", "emails": ["ann@example.com"]},
    DANA,
)


def test_the_corpus_records_or_is_rejected_with_the_reason_and_kept(store, database_url):
    names = sorted(p.name for p in CORPUS.glob("*.eml"))
    outcomes = IngestProcessor(store).process(
        envelopes(ANN, *[("email.raw_received", raw_of(n), POLLER) for n in names])
    )
    verdicts = {n: o.status for n, o in zip(names, outcomes[1:], strict=True)}
    assert verdicts.pop("no-sender.eml") == verdicts.pop("not-a-message.eml") == "rejected"
    assert set(verdicts.values()) == {"accepted"}
    assert all(o.events == 1 for o in outcomes[1:] if o.status == "accepted")
    with psycopg.connect(database_url) as c:
        kept = c.execute("SELECT type, reason, payload FROM ingest_rejects ORDER BY id").fetchall()
    assert [k[0] for k in kept] == ["email.raw_received", "email.raw_received"]
    assert {k[1][0]["rule"] for k in kept} == {"email.unparseable"}
    assert {k[1][0]["field"] for k in kept} == {"data.raw"}
    assert all(b'"raw"' in bytes(k[2]) for k in kept)  # the message itself is kept


def test_one_message_by_three_paths_in_one_batch_and_later_is_recorded_once(store, database_url):
    raw = (CORPUS / "multipart-alternative.eml").read_bytes()
    parsed = {
        "mailbox_id": "mb_support",
        "message_id": "<CAF1=alt@mail.example.com>",
        "sender": {"address": "ann@example.com"},
        "subject": "Charged twice",
    }
    bus = {"mailbox_id": "mb_support", "raw": base64.b64encode(raw).decode()}
    steps = [
        ANN,
        ("email.raw_received", raw_of("multipart-alternative.eml"), POLLER),
        ("email.received", parsed, POLLER),
        ("email.raw_received", bus, ("system", "connector", None)),
    ]
    processor = IngestProcessor(store)
    first = processor.process(envelopes(*steps))
    assert [o.events for o in first] == [1, 1, 0, 0]
    later = IngestProcessor(store).process(envelopes(*steps)[1:])  # the same envelopes again
    assert [o.status for o in later] == ["duplicate"] * 3
    with psycopg.connect(database_url) as conn:
        count = conn.execute(
            "SELECT count(*) FROM chronicle_events WHERE topic = 'email.received.v1'"
        ).fetchone()[0]
    assert count == 1


def test_the_address_index_matches_in_the_same_batch_and_is_backfilled_when_new(database_url):
    store = EventStore(database_url)
    try:
        steps = [
            (
                "contact.added",
                {"contact_id": "c_bo", "source": "user", "emails": ["Bo@X.test"]},
                DANA,
            ),
            (
                "email.received",
                {"mailbox_id": "m", "message_id": "<1@x>", "sender": {"address": "bo@x.TEST"}},
                POLLER,
            ),
        ]
        IngestProcessor(store).process(envelopes(*steps))
        [email] = store.load_many([_incoming()]).values()
        assert email.contact_ids == ("c_bo",)
    finally:
        store.close()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE contact_addresses")
    EventStore(database_url).close()  # creating the tables backfills the index from the log
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT workspace_id, address, contact_id FROM contact_addresses"
        ).fetchall()
    assert rows == [("ws_mail", "bo@x.test", "c_bo")]


def _incoming():
    from domain.incoming_email import IncomingEmail

    return IncomingEmail.id_for("ws_mail", "m", "<1@x>")
