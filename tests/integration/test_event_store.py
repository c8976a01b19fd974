import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from adapters.eventstore import EnvelopeRecord
from domain.conversation import Conversation
from tests.support.domain import meta

pytestmark = pytest.mark.integration


def test_saved_events_load_back_and_get_positions_in_order(store):
    conversation = Conversation.open(meta(), "conv_1", channel="sms")
    conversation.add_tag(meta("e2"), "vip")
    recordings = store.save(conversation)
    assert [r.notification.id for r in recordings] == [1, 2]
    assert store.repository.get(conversation.id) == conversation
    assert store.load_many([conversation.id]) == {conversation.id: conversation}


def test_the_envelope_ledger_commits_with_the_events_or_not_at_all(store, database_url):
    first = Conversation.open(meta("env-1"), "conv_1", channel="sms")
    store.save(first, envelopes=[EnvelopeRecord("ws_acme", "env-1", "conversation.opened", 1, 1)])
    second = Conversation.open(meta("env-1"), "conv_2", channel="sms")
    with pytest.raises(IntegrityError):
        store.save(
            second, envelopes=[EnvelopeRecord("ws_acme", "env-1", "conversation.opened", 2, 1)]
        )
    with psycopg.connect(database_url) as conn:
        ledger = conn.execute("SELECT envelope_id, position FROM ingest_envelopes").fetchall()
        stored = conn.execute("SELECT count(*) FROM chronicle_events").fetchone()[0]
    assert ledger == [("env-1", 1)]
    assert stored == 1  # conv_2's event was rolled back with the duplicate envelope


def test_every_option_of_the_url_reaches_the_stores_connections(database_url):
    """eventsourcing's settings carry only host, port, database, user and password; the
    store's writes must not lose sslmode or application_name on the way."""
    from psycopg.conninfo import make_conninfo

    from adapters.eventstore import EventStore

    named = make_conninfo(
        database_url, application_name="chronicle-writer-probe", options="-c work_mem=1234kB"
    )
    with EventStore(named, pool_size=1) as store:
        store.save(Conversation.open(meta(), "conv_1", channel="sms"))
        with store.datastore.get_connection() as conn:
            found = conn.execute(
                "SELECT current_setting('application_name') AS name, "
                "current_setting('work_mem') AS work_mem, current_setting('jit') AS jit"
            ).fetchone()
    # The URL's own options are kept beside the store's (no JIT for its point statements).
    assert found == {"name": "chronicle-writer-probe", "work_mem": "1234kB", "jit": "off"}


def test_catching_up_aggregates_probes_the_index_on_a_store_never_analyzed(store):
    """The catch-up read's plan does not depend on statistics: with none gathered (as on a
    PostgreSQL with autovacuum off) it still probes the primary key per aggregate, never
    reads the table whole, and is not JIT-compiled."""
    from adapters.eventstore.table import _AFTER_VERSIONS

    for n in range(30):
        store.save(Conversation.open(meta(), f"conv_{n}", channel="sms"))
    with store.datastore.get_connection() as conn:
        ids = [
            r["originator_id"]
            for r in conn.execute(
                "SELECT DISTINCT originator_id FROM chronicle_events LIMIT 5"
            ).fetchall()
        ]
        plan = "\n".join(
            row["QUERY PLAN"]
            for row in conn.execute(
                b"EXPLAIN (ANALYZE, COSTS OFF) " + _AFTER_VERSIONS.as_bytes(conn),
                (ids, [0] * len(ids)),
            ).fetchall()
        )
    assert "Seq Scan" not in plan
    assert "chronicle_events_pkey" in plan
    assert "JIT" not in plan
