"""A read model reads only the events its handlers handle (their wire names, older ones
that upcast to them, and erasures: projections/shared/handlers.py); the others are never
decoded for it. Given a store of every envelope type of the catalogue and a busy mixed
workload, each read model built that way equals the one built from every event, row for
row."""

import base64
import itertools
from datetime import UTC, datetime

import psycopg
import pytest

from adapters.eventstore import EventStore
from chronicle_tools.bench.workload import BenchWorkload
from chronicle_tools.workload import Producer, demo_workload
from projections.engine.runner import ProjectionRunner
from projections.registry import PROJECTIONS
from services.operate.checks import compare_with_rebuild
from tests.support.every_type import DANA, scenario_messages
from tests.support.store import ingest

pytestmark = pytest.mark.integration


STRANGER = b"From: Lee <lee@example.org>\nTo: support@acme.test\nSubject: Hi\n\nHello?\n"


def a_stranger_who_becomes_a_contact():
    """Across families: an unknown sender's email, then a contact with that address."""
    producer, at = Producer("ws_stranger", "s"), datetime(2026, 11, 20, tzinfo=UTC)
    raw = {"mailbox_id": "mb_1", "raw": base64.b64encode(STRANGER).decode()}
    contact = {"contact_id": "c_lee", "name": "Lee", "source": "user"}
    return [
        producer.envelope("email.raw_received", raw, DANA, at),
        producer.envelope("contact.added", {**contact, "emails": ["lee@example.org"]}, DANA, at),
    ]


def reading_everything(cls):
    return type(f"{cls.__name__}ReadingEverything", (cls,), {"wants": lambda self, w: True})


def test_a_projection_skips_only_the_events_it_does_not_read():
    timeline, trail = PROJECTIONS["timeline"](), PROJECTIONS["audit_trail"]()
    assert timeline.wants("activity.logged.v1") and not timeline.wants("workspace.registered.v1")
    assert timeline.wants("contact.lead_converted.v1")  # an older wire name, upcast on read
    assert trail.wants("conversation.opened.v1") and not trail.wants("contact.added.v1")
    assert trail.wants("contact.erased.v1")  # every projection rewrites what an erasure names
    assert reading_everything(type(trail))().wants("contact.added.v1")


async def test_every_read_model_built_from_what_it_reads_equals_one_built_from_everything(
    database_url,
):
    messages, _ = scenario_messages()
    messages += a_stranger_who_becomes_a_contact() + demo_workload(5, "ws_interest", "i")
    messages += list(itertools.islice(BenchWorkload(11, 3000, workspaces=3, contacts=40), 3000))
    store = EventStore(database_url)
    stored = ingest(store, messages)
    store.close()
    skipped = {}
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for name, cls in PROJECTIONS.items():
            everything = reading_everything(cls)()  # the live schema, built the long way
            await everything.create(conn)
            assert await ProjectionRunner(everything).catch_up(conn) == stored
            cur = await conn.execute("SELECT topic FROM chronicle_events")
            skipped[name] = sum(not cls().wants(topic) for (topic,) in await cur.fetchall())
    results = await compare_with_rebuild(database_url)  # rebuilt by the registered classes
    assert {r.name: r.differences for r in results} == {name: {} for name in PROJECTIONS}
    assert all(r.position == stored for r in results)
    assert sum(sum(r.rows.values()) for r in results) > stored  # the models are not empty
    # the test means something: most projections skip events of this store
    assert sum(n > 0 for n in skipped.values()) >= 5, skipped
