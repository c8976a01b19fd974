"""The benchmark's fast store loader writes what the ingest path would have written."""

import itertools
from collections import Counter
from datetime import UTC, datetime

import msgspec
import psycopg
import pytest

from adapters.eventstore import EventStore
from chronicle_tools.bench import loader, phase_rebuild
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import Infra
from chronicle_tools.bench.loader import load_store
from chronicle_tools.bench.workload import BenchWorkload
from services.audit.verify import verify
from tests.support.store import ingest

pytestmark = pytest.mark.integration


def _stored(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT originator_id, originator_version, topic FROM chronicle_events "
            "ORDER BY notification_id"
        ).fetchall()


def test_loaded_store_equals_ingest_of_the_same_envelopes_and_its_chain_verifies(
    database_url, postgres
):
    messages = list(itertools.islice(BenchWorkload(3, 1500, workspaces=3, contacts=50), 1500))
    loaded = load_store(database_url, iter(messages), target_events=10**9)
    assert loaded.rejected == 0 and loaded.envelopes == len(messages)

    ingested_url = postgres.create_database()
    try:
        store = EventStore(ingested_url)
        assert ingest(store, messages) == loaded.events
        store.close()
        assert _stored(database_url) == _stored(ingested_url)
    finally:
        postgres.drop_database(ingested_url)
    report = verify(database_url)
    assert report.intact and report.events == loaded.events
    with psycopg.connect(database_url) as conn:
        envelopes = conn.execute("SELECT count(*), sum(event_count) FROM ingest_envelopes")
        assert envelopes.fetchone() == (len(messages), loaded.events)


def test_workload_is_seeded_and_skewed():
    now = datetime(2025, 6, 1, tzinfo=UTC)
    messages = list(BenchWorkload(5, 3000, now=now))
    assert [m.body for m in messages] == [m.body for m in BenchWorkload(5, 3000, now=now)]
    assert [m.body for m in messages] != [m.body for m in BenchWorkload(6, 3000, now=now)]
    workspaces = Counter(m.subject.split(".")[2] for m in messages)
    assert workspaces.most_common(1)[0][1] > 3 * len(messages) / len(workspaces)
    contacts = Counter(msgspec.json.decode(m.body)["data"].get("contact_id") for m in messages)
    contacts.pop(None, None)
    assert contacts.most_common(1)[0][1] > 20 * len(messages) / len(contacts)  # a busy one


def test_a_loader_that_forgets_aggregates_reads_them_back_and_stores_the_same(
    database_url, postgres, monkeypatch
):
    """Memory flat with the store's size: the loader keeps only its most recently used
    aggregates and reads the others back from what it copied. Scaled down (batches of 200
    events, windows of 20 envelopes, 400 aggregates kept), it stores what keeping all of
    them stores, and its chain verifies."""
    messages = list(itertools.islice(BenchWorkload(4, 3000, workspaces=3, contacts=60), 3000))
    everything = load_store(database_url, iter(messages), target_events=10**9)
    monkeypatch.setattr(loader, "BATCH", 200)
    monkeypatch.setattr(loader, "ENCODE_BATCH", 20)
    monkeypatch.setattr(loader, "MIN_CACHED", 400)
    forgetting_url = postgres.create_database()
    try:
        forgetting = load_store(forgetting_url, iter(messages), target_events=10**9, cached=400)
        assert forgetting.read_back > 0  # it did forget, and found them again
        assert (forgetting.events, forgetting.rejected) == (everything.events, 0)
        assert _stored(forgetting_url) == _stored(database_url)
        assert verify(forgetting_url).intact
    finally:
        postgres.drop_database(forgetting_url)
    with pytest.raises(ValueError, match="keep at least"):
        load_store(database_url, iter(messages[:10]), target_events=10, cached=399)


def test_a_store_kept_for_reuse_is_found_again_and_not_loaded_twice(postgres):
    infra = Infra(postgres.admin_url, "nats://unused", "test")
    # a seed no other test uses: the kept store's name is the workload's
    config = Config.named("quick", seed=90210, reuse_stores=True)
    name = phase_rebuild.kept_name(config, 400)
    try:
        url, first = phase_rebuild.fill(infra, config, 400)
        assert first.count >= 400 and not first.note.endswith("reused")
        stored = _stored(url)
        again, second = phase_rebuild.fill(infra, config, 400)
        assert again == url and second.note.endswith("reused")
        assert (second.count, second.seconds) == (first.count, first.seconds)
        assert _stored(url) == stored  # nothing loaded the second time
        with psycopg.connect(url, autocommit=True) as conn:  # as if a load was cut short
            conn.execute(f"DROP TABLE {phase_rebuild.LOADED}")
        _, third = phase_rebuild.fill(infra, config, 400)
        assert not third.note.endswith("reused") and len(_stored(url)) == len(stored)
    finally:
        with psycopg.connect(postgres.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
