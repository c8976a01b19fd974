"""A real store calls every hook of the seam with the library (adapters/eventstore/
seam.py), in order and in one transaction: if an upgrade of eventsourcing stopped calling
one, the envelope ledger, the hash chain or the relay's wake-up would silently stop."""

from __future__ import annotations

import psycopg
import pytest
from eventsourcing.utils import get_topic

from adapters.eventstore import CHANNEL, EnvelopeRecord, EventStore, RejectRecord
from adapters.eventstore import store as store_module
from adapters.eventstore.recorder import ChronicleRecorder
from domain.conversation import Conversation
from tests.support.domain import meta

pytestmark = pytest.mark.integration


class Spy(ChronicleRecorder):
    """Chronicle's recorder, noting each hook the library reaches."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []

    def before_insert(self, curs, stored_events, **kwargs) -> None:
        self.calls.append("before_insert")
        super().before_insert(curs, stored_events, **kwargs)

    def _lock_table(self, curs) -> None:
        self.calls.append("lock")
        super()._lock_table(curs)

    def _notify_channel(self, curs) -> None:
        self.calls.append("notify")
        super()._notify_channel(curs)

    def write_events(self, curs, stored_events) -> None:
        self.calls.append("write_events")
        super().write_events(curs, stored_events)

    def after_insert(self, curs, stored_events, ids, **kwargs) -> None:
        self.calls.append(f"after_insert {list(ids)}")
        super().after_insert(curs, stored_events, ids, **kwargs)


@pytest.fixture
def spied(database_url, monkeypatch):
    def env(*args, **kwargs):
        return {**real(*args, **kwargs), "APPLICATION_RECORDER_TOPIC": get_topic(Spy)}

    real = store_module.application_env
    monkeypatch.setattr(store_module, "application_env", env)
    with EventStore(database_url, pool_size=1) as store:
        assert isinstance(store.recorder, Spy)
        yield store


def test_a_batch_goes_through_every_hook_in_order(spied, database_url):
    with psycopg.connect(database_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        conversation = Conversation.open(meta("env-1"), "conv_1", channel="sms")
        conversation.add_tag(meta("env-1"), "vip")
        envelope = EnvelopeRecord("ws_acme", "env-1", "conversation.opened", 7, 2)
        recordings = spied.save(conversation, envelopes=[envelope])
        woken = list(listener.notifies(timeout=10, stop_after=1))
    assert [r.notification.id for r in recordings] == [1, 2]
    assert spied.recorder.calls == [
        "before_insert",
        "lock",
        "notify",
        "write_events",
        "after_insert [1, 2]",
    ]
    assert [n.channel for n in woken] == [CHANNEL]  # what the relay listens for
    with psycopg.connect(database_url) as conn:
        ledger = conn.execute("SELECT envelope_id, position FROM ingest_envelopes").fetchall()
        chained = conn.execute("SELECT notification_id FROM event_chain ORDER BY 1").fetchall()
    assert ledger == [("env-1", 2)]  # written by after_insert, with the last event's position
    assert chained == [(1,), (2,)]


def test_a_batch_without_events_still_records_what_it_carries(spied, database_url):
    reject = RejectRecord(9, "ws_acme", "env-9", "audit.ingest.ws_acme.x.y", None, [], b"{}", None)
    assert spied.save_events([], rejects=[reject]) == []
    assert spied.recorder.calls == ["before_insert"]
    with psycopg.connect(database_url) as conn:
        rejects = conn.execute("SELECT stream_seq, envelope_id FROM ingest_rejects").fetchall()
    assert rejects == [(9, "env-9")]


def test_the_library_inserts_through_the_recorder_not_a_database_function(store):
    """With the library's database functions on, `insert_events` skips every hook."""
    assert store.recorder.datastore.enable_db_functions is False
    assert store.recorder.channel_name == CHANNEL


def test_what_save_events_leaves_out_of_the_librarys_save_does_nothing_here(store):
    """`EventStore.save_events` puts events straight into the library's event store; the
    library's `save` would also take snapshots, fill the repository's aggregate cache and
    call `_notify`, none of which this application has."""
    from eventsourcing.application import Application

    assert store.snapshots is None
    assert store.repository.cache is None
    assert type(store)._notify is Application._notify
