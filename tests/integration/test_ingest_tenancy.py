"""Each workspace is on its own at the ingest edge: the same envelope id in two workspaces
is two facts on every path, a repeat in one workspace is a duplicate however late, and a
reject notice goes to the workspace whose subject the producer published on."""

from __future__ import annotations

import asyncio
import itertools

import msgspec
import nats
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.js.api import StreamConfig

from adapters import bus
from adapters.eventstore import EventStore
from services.ingest.processor import IngestProcessor
from services.ingest.service import IngestService
from services.ingest.validation import Incoming

pytestmark = pytest.mark.integration


def contact_added(envelope_id: str, ws: str, body_ws: str | None = None) -> bytes:
    """The fact an envelope id stands for: its own contact (ids collide across workspaces)."""
    return msgspec.json.encode(
        {
            "id": envelope_id,
            "type": "contact.added",
            "workspace_id": body_ws or ws,
            "occurred_at": "2026-11-20T09:15:00Z",
            "actor": {"type": "user", "id": "u_17"},
            "data": {"contact_id": f"c_{envelope_id}", "name": "Ann Lee", "source": "api"},
        }
    )


def subject(ws: str, verb: str = "ingest") -> str:
    return f"audit.{verb}.{ws}.contact.added"


async def test_the_same_envelope_id_in_two_workspaces_is_two_facts_on_every_path(settings):
    """Two tenants choose the same id (`crm-contact-1001`, as the producer's guide suggests)
    within milliseconds: neither costs the other its envelope, by js.publish or request."""
    service = IngestService(settings)
    await service.start()
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        same = "crm-contact-1001"
        acks = [
            await js.publish(subject(ws), contact_added(same, ws), headers={bus.MSG_ID: same})
            for ws in ("ws_x", "ws_y")
        ]
        verdicts = [
            msgspec.json.decode(
                (
                    await nc.request(
                        subject(ws, "request"),
                        contact_added(same, ws),
                        headers={bus.MSG_ID: same},
                        timeout=10,
                    )
                ).data
            )
            for ws in ("ws_z", "ws_x")
        ]
        info = await js.stream_info(bus.INGEST_STREAM)
    finally:
        await nc.close()
        await service.stop()
    assert not any(ack.duplicate for ack in acks)
    assert not info.config.duplicate_window  # the ledger, per workspace, is the only judge
    accepted, repeated = verdicts
    assert accepted["status"] == "accepted"
    assert repeated["status"] == "duplicate"
    with psycopg.connect(settings.database_url) as conn:
        ledger = conn.execute(
            "SELECT workspace_id, position, repeats FROM ingest_envelopes ORDER BY workspace_id"
        ).fetchall()
    positions = {ws: position for ws, position, _ in ledger}
    assert [(ws, repeats) for ws, _, repeats in ledger] == [("ws_x", 1), ("ws_y", 0), ("ws_z", 0)]
    assert repeated == {
        "status": "duplicate",
        "id": same,
        "position": positions["ws_x"],
        "events": 0,
        "correlation_id": same,  # none sent: the envelope id, as its events carry
    }  # one shape: the original's position, no new events


async def test_a_stream_made_with_a_broker_window_loses_it_when_chronicle_starts(settings):
    """An ingest stream from an earlier version (two-minute window) is brought up to date."""
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        await js.add_stream(
            StreamConfig(
                name=bus.INGEST_STREAM, subjects=[bus.INGEST_SUBJECTS], duplicate_window=120
            )
        )
        await bus.ensure_streams(js, bus.StreamLimits.of(settings))
        info = await js.stream_info(bus.INGEST_STREAM)
    finally:
        await nc.close()
    assert not info.config.duplicate_window


async def test_a_reject_notice_goes_to_the_workspace_on_the_subject_not_the_bodys(settings):
    service = IngestService(settings)
    await service.start()
    nc = await nats.connect(settings.nats_url)
    notices: asyncio.Queue = asyncio.Queue()

    async def collect(msg):
        await notices.put((msg.subject, msgspec.json.decode(msg.data)))

    await nc.subscribe("audit.rejected.>", cb=collect)
    try:
        js = nc.jetstream()
        await js.publish(subject("ws_x"), contact_added("mismatch-1", "ws_x", body_ws="ws_y"))
        # A reject of ws_y's own, after it: notices go out in order, so once this one has
        # arrived, a misrouted notice of the first message would have arrived before it.
        await js.publish(subject("ws_y"), b"{")
        seen = [await asyncio.wait_for(notices.get(), 10) for _ in range(2)]
    finally:
        await nc.close()
        await service.stop()
    assert [s for s, _ in seen] == ["audit.rejected.ws_x", "audit.rejected.ws_y"]
    assert seen[0][1]["id"] == "mismatch-1"
    assert [r["field"] for r in seen[0][1]["error"]["reasons"]] == ["workspace_id"]
    with psycopg.connect(settings.database_url) as conn:
        kept = conn.execute("SELECT workspace_id FROM ingest_rejects ORDER BY id").fetchall()
    assert kept == [("ws_x",), ("ws_y",)]  # the producer's workspace keeps (and sees) it


# Property: random interleavings of envelopes from several workspaces with colliding ids,
# repeats, batch boundaries and restarts -> each (workspace, id) stored exactly once.
WORKSPACES = ("a", "b", "c")
IDS = ("e1", "e2", "e3", "e4")
sends = st.tuples(st.just("send"), st.sampled_from(WORKSPACES), st.sampled_from(IDS))
steps = st.lists(
    st.one_of(sends, sends, sends, st.just(("batch",)), st.just(("restart",))), max_size=40
)
examples = itertools.count()


def test_each_workspace_and_id_is_stored_exactly_once_whatever_the_interleaving(database_url):
    store = EventStore(database_url)

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(steps)
    def run(plan):
        prefix = f"p{next(examples)}_"  # each example its own workspaces, in one database
        processor = IngestProcessor(store)
        seqs = itertools.count(1_000_000 * (int(prefix[1:-1]) + 1))
        batch: list[Incoming] = []
        verdicts: list[tuple[str, str, str, int | None]] = []

        def flush():
            outcomes = processor.process(batch)
            verdicts.extend((o.workspace_id, o.envelope_id, o.status, o.position) for o in outcomes)
            batch.clear()

        for step in plan:
            if step[0] == "send":
                ws = prefix + step[1]
                batch.append(
                    Incoming(
                        subject(ws), contact_added(step[2], ws), {bus.MSG_ID: step[2]}, next(seqs)
                    )
                )
            elif step[0] == "batch":
                flush()
            else:
                flush()
                processor = IngestProcessor(store)  # a restart: nothing cached
        flush()
        first: dict[tuple[str, str], int | None] = {}
        for ws, envelope_id, status, position in verdicts:
            key = (ws, envelope_id)
            if key not in first:
                assert status == "accepted", (key, status)
                first[key] = position
            else:
                assert (status, position) == ("duplicate", first[key]), key
        with psycopg.connect(database_url) as conn:
            stored = conn.execute(
                "SELECT workspace_id, envelope_id, position FROM ingest_envelopes "
                "WHERE workspace_id LIKE %s",
                (prefix + "%",),
            ).fetchall()
            events = conn.execute(
                "SELECT count(*) FROM chronicle_events e JOIN event_chain c "
                "USING (notification_id) WHERE c.workspace_id LIKE %s",
                (prefix + "%",),
            ).fetchone()[0]
        assert {(ws, i): p for ws, i, p in stored} == first
        assert events == len(first)

    try:
        run()
    finally:
        store.close()
