"""What sealing personal data costs, on a private PostgreSQL started here (never yours).

    scripts/bench erasure --events 20000 --rounds 2

The same demo workload twice, into two fresh stores: once as Chronicle stores it (personal
values sealed), once with sealing switched off (as before erasure existed). For each:
ingest (envelopes/s through `IngestProcessor`, batches of 500 as the service takes them),
rebuilding every read model from the store (events/s, all projections), the store's size,
and the mapper alone (µs per event to encode and to decode). Then one contact is erased
and the time `chronicle erase` took is shown.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

import psycopg

from adapters.embedded import create_database, start_postgres
from adapters.eventstore import EventStore
from adapters.keys import Keyring, MemoryKeys
from adapters.mapper import MsgspecMapper
from adapters.sealing import Sealer
from chronicle_tools.workload import demo_workload
from domain.shared import Actor
from projections.engine.runner import ProjectionRunner
from projections.registry import PROJECTIONS, projection
from services.audit.erasure import erase_contact
from services.ingest.dry_run import Workspace
from services.ingest.processor import IngestProcessor
from services.ingest.validation import Incoming


class _NoSealing(Sealer):
    def plan(self, event_class, state):  # as Chronicle stored events before erasure
        return None


class _PlainStore(EventStore):
    name = "chronicle"  # the same tables

    def construct_mapper(self) -> MsgspecMapper:
        mapper = super().construct_mapper()
        mapper.sealer = _NoSealing()
        return mapper


def workload(events: int) -> list[list[Incoming]]:
    batches, n, total = [], 0, 0
    while total < events:
        messages = []
        while len(messages) < 500:
            messages += demo_workload(n, f"ws_{n:05d}", f"b{n}")
            n += 1
        total += len(messages)
        batches.append([Incoming(m.subject, m.body) for m in messages])
    return batches


def ingest(url: str, store_class: type, batches: list[list[Incoming]]) -> dict:
    with store_class(url) as store:
        processor = IngestProcessor(store)
        started = time.perf_counter()
        stored = sum(o.events for b in batches for o in processor.process(b))
        seconds = time.perf_counter() - started
    envelopes = sum(len(b) for b in batches)
    return {"envelopes": envelopes, "events": stored, "envelopes_per_s": round(envelopes / seconds)}


async def rebuild(url: str) -> dict:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        started, applied = time.perf_counter(), 0
        for name in PROJECTIONS:
            p = projection(name)
            await p.create(conn)
            applied += await ProjectionRunner(p).catch_up(conn, batch=10_000)
        seconds = time.perf_counter() - started
    return {"rebuild_all_events_per_s": round(applied / seconds)}


def mapper_costs(events: int = 2000) -> dict:
    workspace, domain = Workspace("ws_b"), []
    for m in demo_workload(1, "ws_b", "m")[:events]:
        body = json.loads(m.body)
        domain += workspace.tell(body["type"], body["data"], Actor(**body["actor"]))
    result = {}
    for label, sealer in (("sealed", Sealer()), ("plain", _NoSealing())):
        mapper = MsgspecMapper(Keyring(MemoryKeys()))
        mapper.sealer = sealer
        started = time.perf_counter()
        stored = [mapper.to_stored_event(e) for e in domain for _ in range(5)]
        encode = (time.perf_counter() - started) / len(stored) * 1e6
        keys = mapper.keyring.keys(range(1, 10_000))
        started = time.perf_counter()
        for s in stored:
            mapper.to_domain_event(s, keys)
        decode = (time.perf_counter() - started) / len(stored) * 1e6
        result[label] = {"encode_us": round(encode, 1), "decode_us": round(decode, 1)}
    return result


def size(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_total_relation_size('chronicle_events')").fetchone()[0]


def measure(events: int, rounds: int) -> dict:
    """Both kinds of store, `rounds` times alternately, the best of each kept; then one
    erasure timed."""
    batches = workload(events)
    with tempfile.TemporaryDirectory() as tmp:
        server, admin = start_postgres(Path(tmp) / "pgdata", dbname="postgres")
        try:
            report: dict = {"mapper": mapper_costs()}
            for n in range(rounds):  # alternately: a shared machine's load hits both
                for label, store_class in (("plain", _PlainStore), ("sealed", EventStore)):
                    create_database(admin, f"bench_{label}_{n}")
                    url = server.get_uri(f"bench_{label}_{n}")
                    found = ingest(url, store_class, batches)
                    found.update(asyncio.run(rebuild(url)))
                    found["store_bytes"] = size(url)
                    best = report.setdefault(label, found)
                    for key in ("envelopes_per_s", "rebuild_all_events_per_s"):
                        best[key] = max(best[key], found[key])
            started = time.perf_counter()
            erasure = erase_contact(url, "ws_00000", "c_ann")
            report["erase_seconds"] = round(time.perf_counter() - started, 3)
            report["erased_events"] = len(erasure.positions)
        finally:
            server.cleanup()
    return report
