"""What crash trials and fault tests share: workloads of several workspaces, producers
that keep going through faults, and the checks that nothing was lost or duplicated."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import msgspec
import nats
import nats.errors
import nats.js.errors
import psycopg

from adapters import bus
from chronicle_tools.workload import demo_workload
from projections.registry import PROJECTIONS
from services.ingest.dry_run import Workspace
from services.ingest.service import DURABLE
from tests.support.bus import consumer_backlog
from tests.support.readmodels import assert_live_equals_rebuilt


def colliding_workload(seed: int, workspaces: int, prefix: str, run: str) -> list:
    """Several workspaces whose envelope, contact and conversation ids collide (the same
    run name gives the same envelope ids; the demo story reuses contact and conversation
    ids), merged at random, each keeping its own order."""
    rng = random.Random(seed)
    streams = [demo_workload(seed * 10 + w, f"{prefix}{w}", run) for w in range(workspaces)]
    return interleave(streams, rng)


def expected_events(messages) -> Counter:
    """What the store must hold, per workspace and event type: the workload through the
    real handlers, in memory."""
    workspaces: dict[str, Workspace] = {}
    counts: Counter = Counter()
    for m in messages:
        envelope = msgspec.json.decode(m.body)
        ws = workspaces.setdefault(envelope["workspace_id"], Workspace(envelope["workspace_id"]))
        counts.update(
            (ws.workspace_id, type(e).TOPIC) for e in ws.tell(envelope["type"], envelope["data"])
        )
    return counts


def interleave(streams: list[list], rng: random.Random) -> list:
    """Merge the workspaces' streams at random, each keeping its own order."""
    streams = [list(s) for s in streams]
    merged = []
    while streams:
        stream = rng.choice(streams)
        merged.append(stream.pop(0))
        if not stream:
            streams.remove(stream)
    return merged


async def create_streams(settings) -> None:
    """As `chronicle up` does before any service starts."""
    nc = await nats.connect(settings.nats_url)
    await bus.ensure_streams(nc.jetstream(), bus.StreamLimits.of(settings))
    await nc.close()


async def patient_producer(url: str, messages, rate: float, progress: list[int]) -> None:
    """Publishes steadily; a publish the server did not acknowledge is sent again, with the
    same Nats-Msg-Id, as a careful producer would (so the stream may hold it twice, and
    Chronicle's ledger must record it once)."""
    nc = await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = nc.jetstream()
    for n, m in enumerate(messages):
        while True:
            try:
                await js.publish(m.subject, m.body, headers={bus.MSG_ID: m.envelope_id}, timeout=2)
                break
            except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
                await asyncio.sleep(0.1)  # ok-sleep: a producer's retry pause
        progress.append(n)
        if n % 10 == 9:
            await asyncio.sleep(10 / rate)  # ok-sleep: the producer's pace
    await nc.close()


async def settled(settings) -> bool:
    try:
        if await consumer_backlog(settings.nats_url, bus.INGEST_STREAM, DURABLE):
            return False
    except (nats.js.errors.NotFoundError, nats.errors.Error, OSError):
        return False  # the ingest service has not come up yet, or NATS is restarting
    try:
        with psycopg.connect(settings.database_url) as conn:
            head = conn.execute(
                "SELECT coalesce(max(notification_id), 0) FROM chronicle_events"
            ).fetchone()[0]
            for name in PROJECTIONS:
                try:
                    row = conn.execute(f"SELECT position FROM rm_{name}.tracking").fetchone()
                except psycopg.errors.UndefinedTable:
                    return False
                if not row or row[0] < head:
                    return False
    except psycopg.OperationalError:
        return False  # PostgreSQL is restarting
    return head > 0


async def verify(settings, messages) -> None:
    """Every envelope stored once, the events exactly what the workload means, and every
    read model equal to a rebuild from the store."""
    with psycopg.connect(settings.database_url) as conn:
        ledger = conn.execute("SELECT count(*) FROM ingest_envelopes").fetchone()[0]
        rejects = conn.execute("SELECT count(*) FROM ingest_rejects").fetchone()[0]
        by_workspace = conn.execute(
            "SELECT c.workspace_id, e.topic, count(*) FROM chronicle_events e "
            "JOIN event_chain c USING (notification_id) GROUP BY 1, 2"
        ).fetchall()
        stored = Counter({(ws, topic): n for ws, topic, n in by_workspace})
    with psycopg.connect(settings.database_url) as conn:
        kept = set(conn.execute("SELECT workspace_id, envelope_id FROM ingest_envelopes"))
        reasons = conn.execute("SELECT envelope_id, reason FROM ingest_rejects").fetchall()
    sent = {(m.subject.split(".")[2], m.envelope_id) for m in messages}
    missing = sorted(sent - kept)
    if missing:
        found = await on_the_ingest_stream(settings, set(missing))
        raise AssertionError(f"missing {missing[:10]}, on the stream at {found}, {reasons}")
    assert (ledger, rejects) == (len(messages), 0), f"rejected {reasons}"
    expected = expected_events(messages)
    assert stored == expected, f"stored - expected {stored - expected}, {expected - stored}"
    await assert_live_equals_rebuilt(settings.database_url)


async def on_the_ingest_stream(settings, wanted: set) -> dict:
    """Where the ingest stream holds these (workspace, envelope id): their sequences, and
    the ingest consumer's state (did the bus lose them, or did ingest pass them by?)."""
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    try:
        info = await js.stream_info(bus.INGEST_STREAM)
        found: dict = {}
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await js.get_msg(bus.INGEST_STREAM, seq=seq)
            except nats.js.errors.NotFoundError:
                continue
            key = (msg.subject.split(".")[2], (msg.headers or {}).get(bus.MSG_ID))
            if key in wanted:
                found.setdefault(key, []).append(seq)
        consumer = await js.consumer_info(bus.INGEST_STREAM, DURABLE)
        found["ack_floor"] = consumer.ack_floor
        found["delivered"] = consumer.delivered
        found["stream"] = (info.state.first_seq, info.state.last_seq, info.state.messages)
        return found
    finally:
        await nc.close()


async def diagnosis(settings, fleet) -> str:
    lines = []
    try:
        backlog = await consumer_backlog(settings.nats_url, bus.INGEST_STREAM, DURABLE)
        lines.append(f"ingest backlog: {backlog}")
    except Exception as e:
        lines.append(f"ingest backlog: {e!r}")
    with psycopg.connect(settings.database_url) as conn:
        lines.append(
            "head: "
            + str(conn.execute("SELECT max(notification_id) FROM chronicle_events").fetchone())
        )
        for name in PROJECTIONS:
            try:
                lines.append(
                    f"{name}: {conn.execute(f'SELECT * FROM rm_{name}.tracking').fetchall()}"
                )
            except psycopg.Error as e:
                conn.rollback()
                lines.append(f"{name}: {e}")
    for name, process in fleet.processes.items():
        lines.append(f"--- {name} (exit {process.process.poll()}):")
        lines.append(process.output()[-2500:])
    return "\n".join(lines)
