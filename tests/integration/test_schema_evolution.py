"""Schema evolution: `contact.lead_converted` went from v1 (lead_id, lead_name) to v2
(lead: Ref). Rows stored by the v1 code load as v2 everywhere, and are never rewritten."""

import io
import json

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from adapters.mapper import UPCASTERS, MsgspecMapper
from chronicle_tools.workload import Producer
from domain.activity import Ref
from domain.catalogue import event_classes
from domain.contact import Contact
from projections.engine.runner import ProjectionRunner
from projections.registry import projection
from services.audit.export import export
from services.audit.verify import verify
from tests.support.store import ingest

pytestmark = pytest.mark.integration
ANN = Contact.id_for("ws_evo", "c_ann")

# What the v1 code (before this change) stored for a contact added, then converted from
# lead l_9: its bytes, only the timestamps fixed.
V1_ROWS = [
    (
        "contact.added.v1",
        '{"timestamp":"2026-11-20T09:15:00.100000Z","originator_topic":'
        '"chronicle.aggregate.contact","meta":{"workspace_id":"ws_evo","actor":{"type":'
        '"user","id":"u_17","name":"Dana"},"occurred_at":"2026-11-20T09:15:00Z",'
        '"envelope_id":"evo-1","team_id":null,"correlation_id":null},"contact_id":"c_ann",'
        '"name":"Ann Lee","emails":[],"phones":[],"handles":[],"source":"user"}',
    ),
    (
        "contact.lead_converted.v1",
        '{"timestamp":"2026-11-20T09:16:00.100000Z","meta":{"workspace_id":"ws_evo","actor":'
        '{"type":"user","id":"u_17","name":"Dana"},"occurred_at":"2026-11-20T09:16:00Z",'
        '"envelope_id":"evo-2","team_id":null,"correlation_id":null},"contact_id":"c_ann",'
        '"lead_id":"l_9","lead_name":"Ann (lead)"}',
    ),
]


@pytest.fixture
def v1_stored(store):
    """The v1 rows, stored through the event store (so they are chained like any other)."""
    store.recorder.insert_events(
        [
            StoredEvent(ANN, version, topic, state.encode())
            for version, (topic, state) in enumerate(V1_ROWS, start=1)
        ]
    )
    return store


def stored_rows(database_url: str) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT notification_id, topic, state FROM chronicle_events ORDER BY 1"
        ).fetchall()


def test_a_v1_event_loads_as_v2(v1_stored):
    ann = v1_stored.repository.get(ANN)
    assert ann.leads == {"l_9"}
    converted = [e for e in v1_stored.events.get(ANN)][-1]
    assert type(converted) is Contact.LeadConverted
    assert type(converted).TOPIC == "contact.lead_converted.v2"
    assert converted.lead == Ref("lead", "l_9", "Ann (lead)")
    assert not hasattr(converted, "lead_id")


def test_new_events_are_written_as_v2_and_read_the_same_as_upcast_ones(v1_stored, database_url):
    p = Producer("ws_evo", "evo")
    from datetime import UTC, datetime

    ingest(
        v1_stored,
        [
            p.envelope(
                "lead.converted",
                {"lead_id": "l_10", "lead_name": "Ann again", "contact_id": "c_ann"},
                ("user", "u_17", "Dana"),
                datetime.now(UTC),
            )
        ],
    )
    topics = [topic for _, topic, _ in stored_rows(database_url)]
    assert topics[:2] == ["contact.added.v1", "contact.lead_converted.v1"]
    assert "contact.lead_converted.v2" in topics[2:]
    assert v1_stored.repository.get(ANN).leads == {"l_9", "l_10"}


async def test_projections_exports_and_the_chain_see_v2_while_the_rows_stay_v1(
    v1_stored, database_url
):
    before = stored_rows(database_url)
    timeline = projection("timeline")
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await timeline.create(conn)
        await ProjectionRunner(timeline).catch_up(conn)
        cur = await conn.execute(
            "SELECT summary, details FROM rm_timeline.entries WHERE type = 'contact.lead_converted'"
        )
        summary, details = await cur.fetchone()
    assert summary == "Converted from lead Ann (lead)"
    assert details["lead"] == {"type": "lead", "id": "l_9", "name": "Ann (lead)"}
    out = io.BytesIO()
    export(database_url, out, progress=False)
    line = json.loads(out.getvalue().splitlines()[1])
    assert line["wire_name"] == "contact.lead_converted.v1"  # as stored...
    assert line["data"]["lead"]["id"] == "l_9" and "lead_id" not in line["data"]  # ...read as v2
    assert line["stored"] == V1_ROWS[1][1]
    assert stored_rows(database_url) == before  # never rewritten
    assert verify(database_url).intact


def test_every_old_wire_name_reads_as_the_next_version_and_ends_at_a_current_one():
    current = set(event_classes())
    for old, upcaster in UPCASTERS.items():
        assert old not in current  # its class moved on
        name, version = old.rsplit(".v", 1)
        state = json.loads(dict(V1_ROWS)[old]) if old in dict(V1_ROWS) else None
        if state is not None:
            assert upcaster(state)[0] == f"{name}.v{int(version) + 1}"
        newest = f"{name}.v{int(version) + 1}"
        while newest in UPCASTERS:
            name, version = newest.rsplit(".v", 1)
            newest = f"{name}.v{int(version) + 1}"
        assert newest in current


def test_the_mapper_refuses_a_v1_row_it_cannot_upcast():
    from eventsourcing.persistence import MapperDeserialisationError

    broken = V1_ROWS[1][1].replace('"lead_id":"l_9",', "")
    with pytest.raises(MapperDeserialisationError):
        MsgspecMapper().to_domain_event(
            StoredEvent(ANN, 2, "contact.lead_converted.v1", broken.encode())
        )
