"""Fill an event store fast with real events: the workload goes through Chronicle's own
validation, handlers, aggregates and msgspec encoder in this process, and the events are
written with COPY, with their hash chain and envelope ledger, as the recorder would have
left them (`chronicle verify` passes). Skipped: only ingest's per-batch round trips."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from uuid import UUID

import psycopg

from adapters import bus, chain
from adapters.eventstore import EVENTS_TABLE, EventStore
from adapters.keys import Keyring, MemoryKeys, PostgresKeys
from adapters.mapper import MsgspecMapper
from adapters.migrations import ensure_store
from adapters.processes import garbage_collector_quieted
from chronicle_tools.workload import Published
from domain.shared import RuleViolation
from services.ingest.unit_of_work import AggregateCache, UnitOfWork
from services.ingest.validation import Incoming, Valid, check

BATCH = 5000
ENCODE_BATCH = 500  # envelopes encoded at once (the ingest service's batch)
_COPIES = (
    (
        f"COPY {EVENTS_TABLE} (originator_id, originator_version, topic, state, notification_id)"
        " FROM STDIN (FORMAT BINARY)",
        ["uuid", "int8", "text", "bytea", "int8"],
    ),
    (
        "COPY event_chain (notification_id, workspace_id, prev_hash, hash) "
        "FROM STDIN (FORMAT BINARY)",
        ["int8", "text", "bytea", "bytea"],
    ),
    (
        "COPY ingest_envelopes (workspace_id, envelope_id, type, position, event_count) "
        "FROM STDIN (FORMAT BINARY)",
        ["text", "text", "text", "int8", "int4"],
    ),
)


# Aggregates the loader keeps in memory. Fewer than this could evict an aggregate whose
# latest events are not copied yet: a batch (BATCH events) and an encoding window
# (ENCODE_BATCH envelopes, a few aggregates each) touch far fewer.
MIN_CACHED = 50_000
CACHED = 200_000


class Evicted:
    """The keys the cache let go, in fixed memory: a Bloom filter (16 MB, 3 probes), so a
    key never evicted is seldom looked for in the store (a false positive costs a probe
    that finds nothing)."""

    BITS = 2**27

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS // 8)

    def _slots(self, key: UUID) -> tuple[int, int, int]:
        value, mask = key.int, self.BITS - 1  # uuid5 / uuid4 bits are already well mixed
        return value & mask, (value >> 43) & mask, (value >> 86) & mask

    def add(self, key: UUID) -> None:
        for slot in self._slots(key):
            self.bits[slot >> 3] |= 1 << (slot & 7)

    def __contains__(self, key: UUID) -> bool:
        return all(self.bits[slot >> 3] & (1 << (slot & 7)) for slot in self._slots(key))


class StreamingStore:
    """The event store as the loader's handlers see it. This loader is the only writer, so
    what its cache holds is always current; an aggregate it let go is read back from the
    rows already copied, with the ingest service's own query. Only an aggregate least
    recently used of `MIN_CACHED` or more leaves the cache, long after its last event was
    copied, so what is read back is whole; memory stays flat with the store's size. Without
    a store (`None`: nothing is evicted) nothing is read back."""

    def __init__(self, store: EventStore | None = None) -> None:
        self.store = store
        self.evicted = Evicted()
        self.read_back = 0  # aggregates the cache had let go, found in the store

    def catch_up(self, known: dict) -> dict:
        current = {key: value for key, value in known.items() if value is not None}
        if self.store is not None:
            lost = [key for key, value in known.items() if value is None and key in self.evicted]
            if lost:
                found = self.store.load_many(lost)
                self.read_back += len(found)
                current.update(found)
        return current


@dataclass
class Loaded:
    events: int = 0
    envelopes: int = 0
    rejected: int = 0
    seconds: float = 0.0
    state_bytes: int = 0
    read_back: int = 0  # aggregates read back from the store (evicted from memory)

    @property
    def mean_state_bytes(self) -> float:
        return self.state_bytes / self.events if self.events else 0.0


def encode(
    messages: Iterable[Published],
    rejected: list[int],
    mapper: MsgspecMapper | None = None,
    store: StreamingStore | None = None,
    cached: int = CACHED,
) -> Iterator[tuple[Valid, list]]:
    """(the envelope's meta, its stored events) for each accepted envelope, in order.
    Personal data is sealed with `mapper`'s keys (default: keys in memory only). With a
    `store` to read evicted aggregates back from, `cached` of them stay in memory; without
    one, all of them."""
    if store is None or store.store is None:  # nothing to read back from: keep everything
        store, cached = StreamingStore(), 2**62
    elif cached < MIN_CACHED:
        raise ValueError(f"keep at least {MIN_CACHED} aggregates (evicted ones are read back)")
    mapper = mapper or MsgspecMapper(Keyring(MemoryKeys()))
    cache, pending = AggregateCache(cached, store.evicted.add), []
    for m in messages:
        item = check(Incoming(m.subject, m.body, {bus.MSG_ID: m.envelope_id}))
        if not isinstance(item, Valid):
            rejected[0] += 1
            continue
        uow = UnitOfWork(store, cache)
        try:
            item.command.handle(uow, item.meta, item.data)
        except RuleViolation:
            rejected[0] += 1
        pending.append((item, uow.collect_events()))
        if len(pending) >= ENCODE_BATCH:
            yield from _encoded(pending, mapper)
    yield from _encoded(pending, mapper)


def _encoded(pending: list, mapper: MsgspecMapper) -> Iterator[tuple[Valid, list]]:
    """Encode many envelopes' events at once: their subjects' keys in one statement, as
    the ingest service does for a batch (one per envelope was a commit per envelope)."""
    stored = iter(mapper.to_stored_events([e for _, events in pending for e in events]))
    done = [(item, [next(stored) for _ in events]) for item, events in pending]
    pending.clear()
    yield from done


class _Rows:
    """The rows of the next COPY: events, their chain links, their envelopes."""

    def __init__(self, result: Loaded) -> None:
        self.result, self.heads = result, {}
        self.tables: tuple[list, list, list] = ([], [], [])

    def add(self, item: Valid, stored: list) -> None:
        r, ws = self.result, item.meta.workspace_id
        for e in stored:
            r.events += 1
            r.state_bytes += len(e.state)
            prev = self.heads.get(ws) or chain.genesis(ws)
            link = chain.link(
                prev, r.events, e.originator_id, e.originator_version, e.topic, e.state
            )
            self.heads[ws] = link
            self.tables[0].append(
                (e.originator_id, e.originator_version, e.topic, e.state, r.events)
            )
            self.tables[1].append((r.events, ws, prev, link))
        r.envelopes += 1
        position = r.events if stored else None
        envelope = (ws, item.meta.envelope_id, item.envelope.type, position, len(stored))
        self.tables[2].append(envelope)

    def copy(self, conn: psycopg.Connection, progress: Callable[[int], None] | None) -> None:
        """One transaction: the events, their chain rows and their envelopes."""
        count = len(self.tables[0])
        with conn.cursor() as cur:
            for (statement, types), rows in zip(_COPIES, self.tables, strict=True):
                if rows:
                    with cur.copy(statement) as copy:
                        copy.set_types(types)
                        for row in rows:
                            copy.write_row(row)
                    rows.clear()
        conn.commit()
        if progress and count:
            progress(count)


def load_store(
    database_url: str,
    messages: Iterable[Published],
    target_events: int,
    progress: Callable[[int], None] | None = None,
    cached: int = CACHED,
) -> Loaded:
    """Store events from `messages` until there are `target_events` of them, keeping
    `cached` aggregates in memory (the others are read back from the store when needed)."""
    ensure_store(database_url)
    # The cached aggregates are hundreds of thousands of objects: with the default
    # thresholds every full collection walks them all again (as in the ingest service).
    with garbage_collector_quieted():
        return _load(database_url, messages, target_events, progress, cached)


def _load(database_url, messages, target_events, progress, cached) -> Loaded:
    started, result, rejected = time.perf_counter(), Loaded(), [0]
    rows = _Rows(result)
    reader = EventStore(database_url, pool_size=1, create_tables=False)
    store = StreamingStore(reader)
    with (
        contextlib.closing(reader),
        psycopg.connect(database_url) as conn,
        psycopg.connect(database_url, autocommit=True) as keys,
    ):
        # The keys commit (on their own connection) before the events that use them.
        mapper = MsgspecMapper(Keyring(PostgresKeys(lambda: contextlib.nullcontext(keys))))
        for item, stored in encode(messages, rejected, mapper, store, cached):
            rows.add(item, stored)
            if len(rows.tables[0]) >= BATCH or result.events >= target_events:
                rows.copy(conn, progress)
            if result.events >= target_events:
                break
        rows.copy(conn, progress)
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{EVENTS_TABLE}', 'notification_id'), "
            f"greatest((SELECT max(notification_id) FROM {EVENTS_TABLE}), 1))"
        )
        conn.commit()
        conn.autocommit = True
        conn.execute(f"ANALYZE {EVENTS_TABLE}")
    result.rejected = rejected[0]
    result.read_back = store.read_back
    result.seconds = time.perf_counter() - started
    return result
