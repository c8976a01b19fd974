"""Stored events name their type by a stable wire name, not by where the class lives."""

import psycopg
import pytest
from eventsourcing import utils as es_utils

from adapters.eventstore import EventStore
from chronicle_tools.workload import Producer
from domain.conversation import Conversation
from services.ingest.registry import ANN, IN, OPEN
from tests.support.store import ingest

pytestmark = pytest.mark.integration


def test_events_stored_before_a_class_is_renamed_and_moved_still_load(database_url):
    producer = Producer("ws_wire", "w")
    at = __import__("datetime").datetime(2026, 11, 20, tzinfo=__import__("datetime").UTC)
    with EventStore(database_url) as store:
        ingest(
            store, [producer.envelope(t, d, ("user", "u", None), at) for t, d in (ANN, OPEN, IN)]
        )
    with psycopg.connect(database_url) as conn:
        topics = [t for (t,) in conn.execute("SELECT topic FROM chronicle_events")]
    assert "conversation.message_received.v1" in topics
    assert not any("." in t.rsplit(".", 1)[0].split(".", 1)[1] or ":" in t for t in topics)

    # The class is renamed and moved to another module; it keeps its wire name.
    original = Conversation.MessageReceived
    relocated = type(
        "IncomingMessageRecorded",
        (original,),
        {"__module__": "chronicle_v2.conversations.inbound", "TOPIC": original.TOPIC},
    )
    es_utils._topic_cache.pop(original.TOPIC)
    es_utils.register_topic(original.TOPIC, relocated)
    try:
        with EventStore(database_url) as store:  # a fresh mapper, as after a deploy
            conversation_id = Conversation.id_for("ws_wire", "conv_1")
            events = store.events.get(conversation_id)
            loaded = [e for e in events if isinstance(e, relocated)]
            assert len(loaded) == 1
            assert loaded[0].message.body == IN[1]["body"]
            assert type(loaded[0]).__module__ == "chronicle_v2.conversations.inbound"
    finally:
        es_utils._topic_cache[original.TOPIC] = original
