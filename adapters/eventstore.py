"""The event store: eventsourcing's PostgreSQL recorder, with msgspec encoding.

`ChronicleRecorder` extends the library's recorder so that, in the very transaction that
inserts a batch's events (under the library's table lock, which keeps notification ids
in commit order), it also records the envelopes those events came from and any rejects.
Events with sealed personal data also check the erasure epoch there (adapters/keys.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import EventStore as LibraryEventStore
from eventsourcing.persistence import Notification, Recording, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import get_topic
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Identifier

from adapters import address_index, chain, merkle_store
from adapters.keys import EPOCH_CHECK, KEYS_DDL, Keyring, KeysErased, PostgresKeys
from adapters.mapper import MsgspecMapper
from adapters.schema import INGEST_DDL
from adapters.sealing import MARK_BYTES, key_ids

EVENTS_TABLE = "chronicle_events"


@dataclass(frozen=True)
class EnvelopeRecord:
    """An accepted envelope; `event_count` of the saved events (in order) are its own."""

    workspace_id: str
    envelope_id: str
    type: str
    stream_seq: int | None
    event_count: int


@dataclass(frozen=True)
class DeadLetter:
    """A message or event we failed to apply after bounded retries (see dead_letters)."""

    consumer: str  # ingest | projection:<name>
    stream_seq: int | None
    position: int | None
    workspace_id: str | None
    envelope_id: str | None
    subject: str | None
    type: str | None
    payload: bytes | None
    headers: dict[str, str] | None
    error: str
    attempts: int


INSERT_DEAD_LETTER = (
    "INSERT INTO dead_letters (consumer, stream_seq, position, workspace_id, envelope_id, "
    "subject, type, payload, headers, error, attempts) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s) ON CONFLICT DO NOTHING"
)


def dead_letter_row(d: DeadLetter) -> tuple:
    headers = msgspec.json.encode(d.headers).decode() if d.headers is not None else None
    return (
        d.consumer,
        d.stream_seq,
        d.position,
        d.workspace_id,
        d.envelope_id,
        d.subject,
        d.type,
        d.payload,
        headers,
        d.error,
        d.attempts,
    )


@dataclass(frozen=True)
class RejectRecord:
    stream_seq: int | None
    workspace_id: str | None
    envelope_id: str | None
    subject: str
    type: str | None
    reason: list[dict[str, str]]
    payload: bytes
    headers: dict[str, str] | None


_INSERT_ENVELOPES = SQL(
    "INSERT INTO ingest_envelopes "
    "(workspace_id, envelope_id, type, stream_seq, event_count, position) "
    "SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::bigint[], %b::int[], "
    "%b::bigint[])"
)
_COUNT_REPEATS = SQL(
    "UPDATE ingest_envelopes e SET repeats = e.repeats + v.n "
    "FROM (SELECT w, i, count(*) AS n FROM unnest(%b::text[], %b::text[]) AS u(w, i) "
    "GROUP BY w, i) AS v WHERE e.workspace_id = v.w AND e.envelope_id = v.i"
)
INSERT_REJECT = SQL(
    "INSERT INTO ingest_rejects "
    "(stream_seq, workspace_id, envelope_id, subject, type, reason, payload, headers) "
    "VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s::jsonb) ON CONFLICT (stream_seq) DO NOTHING"
)


class ChronicleRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: Any, *, events_table_name: str = EVENTS_TABLE) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.sql_create_statements.extend(
            SQL(ddl)
            for ddl in [
                *INGEST_DDL,
                *chain.CHAIN_DDL,
                *merkle_store.TREE_DDL,
                *address_index.ADDRESS_DDL,
                *KEYS_DDL,
            ]
        )
        self.trees = merkle_store.TreeAppender()
        self._insert_columns = SQL(
            "INSERT INTO {} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(Identifier(self.events_table_name))

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent], **_) -> None:
        """The library's insert (table lock, notify, one INSERT ... SELECT FROM unnest), with
        the events as four binary arrays rather than one array of a composite type, which
        psycopg dumps as text, value by value, in Python."""
        self._lock_table(curs)
        self._notify_channel(curs)
        columns = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        )
        curs.execute(self._insert_columns, columns, prepare=True)

    def _insert_events(
        self,
        curs: Any,
        stored_events: Sequence[StoredEvent],
        *,
        envelopes: Sequence[EnvelopeRecord] = (),
        rejects: Sequence[RejectRecord] = (),
        repeats: Sequence[tuple[str, str]] = (),
        dead_letters: Sequence[DeadLetter] = (),
        addresses: Sequence[tuple[str, str, str]] = (),
        erasure_epoch: int | None = None,
        erasure: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> None:
        if erasure is not None:  # destroys keys in the transaction that records it
            erasure(curs)
        if erasure_epoch is not None:  # first: an erasure locks this row, then the table
            curs.execute(EPOCH_CHECK, prepare=True)
            now = curs.fetchone()["epoch"]
            if now != erasure_epoch:
                raise KeysErased(f"keys were erased (epoch {erasure_epoch} -> {now})")
        for dead in dead_letters:
            curs.execute(INSERT_DEAD_LETTER, dead_letter_row(dead), prepare=True)
        if not stored_events:  # else written with their positions, after the events
            _record_envelopes(curs, envelopes, repeats, ())
        for reject in rejects:
            curs.execute(INSERT_REJECT, reject_row(reject), prepare=True)
        address_index.index(curs, addresses)
        super()._insert_events(curs, stored_events, **kwargs)

    def _fetch_ids_after_insert_events(
        self,
        curs: Any,
        stored_events: Sequence[StoredEvent],
        *,
        envelopes: Sequence[EnvelopeRecord] = (),
        repeats: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        # Each envelope row is written once, with its position (before: an insert, then an
        # update of every row), and before the chain, whose head query syncs the pipeline:
        # a concurrent writer's duplicate envelope still surfaces here, as IntegrityError.
        _record_envelopes(curs, envelopes, repeats, ids or ())
        workspaces = chain.extend(curs, stored_events, ids or ())
        self.trees.extend(curs, stored_events, ids or (), workspaces)  # adapters/merkle_store
        return ids


def _record_envelopes(
    curs: Any,
    envelopes: Sequence[EnvelopeRecord],
    repeats: Sequence[tuple[str, str]],
    ids: Sequence[int],
) -> None:
    if envelopes:
        rows = zip(envelopes, _envelope_positions(envelopes, ids), strict=True)
        columns = [list(c) for c in zip(*(_envelope_row(e, p) for e, p in rows), strict=True)]
        curs.execute(_INSERT_ENVELOPES, columns, prepare=True)
    if repeats:  # after the inserts: a repeat may be of an envelope in this batch
        curs.execute(_COUNT_REPEATS, [list(c) for c in zip(*repeats, strict=True)], prepare=True)


def _envelope_row(e: EnvelopeRecord, position: int | None) -> tuple:
    return (e.workspace_id, e.envelope_id, e.type, e.stream_seq, e.event_count, position)


def reject_row(r: RejectRecord) -> tuple:
    headers = msgspec.json.encode(r.headers).decode() if r.headers is not None else None
    reason = msgspec.json.encode(r.reason).decode()
    return (
        r.stream_seq,
        r.workspace_id,
        r.envelope_id,
        r.subject,
        r.type,
        reason,
        r.payload,
        headers,
    )


def _envelope_positions(
    envelopes: Iterable[EnvelopeRecord], ids: Sequence[int]
) -> Iterable[int | None]:
    """Each envelope's position: that of its last event (None: it recorded none)."""
    offset = 0
    for e in envelopes:
        offset += e.event_count
        yield ids[offset - 1] if e.event_count else None


# What eventsourcing's PostgreSQL settings carry of a URL; the rest of it (sslmode,
# sslrootcert, application_name, options, ...) goes to each connection by ChronicleFactory.
_CARRIED = frozenset({"dbname", "host", "port", "user", "password"})
CONNINFO_EXTRA = "CHRONICLE_CONNINFO_EXTRA"


class ChronicleFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory, connecting with every option of the URL: the
    library's own settings know only host, port, database, user and password, and would
    drop sslmode or application_name from the store's connections without a word."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        extra = self.env.get(CONNINFO_EXTRA)
        if extra:
            self.datastore.pool.kwargs.update(msgspec.json.decode(extra))


def application_env(
    database_url: str, *, pool_size: int = 5, create_tables: bool = True
) -> dict[str, str]:
    """eventsourcing's environment for a PostgreSQL URL."""
    parts = conninfo_to_dict(database_url)
    extra = {k: v for k, v in parts.items() if k not in _CARRIED}
    return {
        "PERSISTENCE_MODULE": get_topic(ChronicleFactory),
        CONNINFO_EXTRA: msgspec.json.encode(extra).decode(),
        "APPLICATION_RECORDER_TOPIC": get_topic(ChronicleRecorder),
        "POSTGRES_DBNAME": str(parts.get("dbname", "postgres")),
        "POSTGRES_HOST": str(parts.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(parts.get("port", "5432")),
        "POSTGRES_USER": str(parts.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(parts.get("password", "")),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "CREATE_TABLE": "y" if create_tables else "n",
    }


class _Events(LibraryEventStore):
    """The library's event store, encoding a batch at once (its subjects' keys are made
    sure of in one statement) and telling the recorder what a batch needs beside."""

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> list[Recording]:
        stored_events = self.mapper.to_stored_events(domain_events)
        if any(MARK_BYTES in e.state for e in stored_events):
            kwargs["erasure_epoch"] = self.mapper.keyring.epoch
        kwargs["addresses"] = address_index.rows_of(domain_events)
        ids = self.recorder.insert_events(stored_events, **kwargs)
        if not ids:
            return []
        return [
            Recording(d, _notification(s, n))
            for d, s, n in zip(domain_events, stored_events, ids, strict=True)
        ]


def _notification(stored: StoredEvent, notification_id: int) -> Notification:
    return Notification(
        id=notification_id,
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=stored.state,
    )


class EventStore(Application):
    """Chronicle's event-sourced application: stores and loads all aggregates."""

    name = "chronicle"

    def __init__(
        self, database_url: str, *, pool_size: int = 5, create_tables: bool = True
    ) -> None:
        super().__init__(
            env=application_env(database_url, pool_size=pool_size, create_tables=create_tables)
        )
        if create_tables:  # a new address index is filled from the log once
            with self.datastore.get_connection() as conn:
                address_index.backfill(conn, self.decode_all)

    def decode_all(self, stored: list[StoredEvent]) -> list[Any]:
        """Decode stored events, reading the keys they name at once."""
        keys = self.keyring.keys(i for e in stored for i in key_ids(e.state))
        return [self.mapper.to_domain_event(e, keys) for e in stored]

    def construct_mapper(self) -> MsgspecMapper:
        return MsgspecMapper(Keyring(PostgresKeys(lambda: self.datastore.get_connection())))

    def construct_event_store(self) -> LibraryEventStore:
        return _Events(mapper=self.mapper, recorder=self.recorder)

    @property
    def keyring(self) -> Keyring:
        return self.mapper.keyring

    @property
    def datastore(self) -> Any:
        return self.recorder.datastore

    def save_events(self, events: Sequence[Any], **kwargs: Any) -> list[Recording]:
        """`save` for domain events already collected: the library's `save` tells events
        from aggregates with runtime-protocol isinstance checks, ~10 us an event."""
        processing_event = ProcessingEvent()
        processing_event.events.extend(events)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def contacts_with_addresses(self, workspace_id: str, addresses: Iterable[str]) -> dict:
        """address -> ids of contacts that have had it (see adapters/address_index.py)."""
        with self.datastore.get_connection() as conn:
            return address_index.lookup(conn, workspace_id, addresses)

    def load_many(self, ids: Iterable[UUID]) -> dict[UUID, Any]:
        """Rebuild many aggregates from their events with one query."""
        return self.catch_up({key: None for key in ids})

    def catch_up(self, known: dict[UUID, Any]) -> dict[UUID, Any]:
        """Bring aggregates up to date with one query: for each id, the events after the
        version given (None: the aggregate is not known yet). Returns the ids that have
        an aggregate, each at its current version."""
        if not known:
            return {}
        ids = list(known)
        versions = [
            aggregate.version if aggregate is not None else 0 for aggregate in known.values()
        ]
        # One index probe per aggregate, whatever the planner knows of the table: as a
        # plain join, a store never analyzed (autovacuum off) was read whole, every batch.
        # OFFSET 0 keeps the lateral subquery from being flattened into that join.
        query = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%b::uuid[], %b::bigint[]) AS v(id, after) "
            "CROSS JOIN LATERAL (SELECT x.originator_id, x.originator_version, x.topic, "
            "x.state FROM {} x WHERE x.originator_id = v.id AND x.originator_version > v.after "
            "OFFSET 0) e ORDER BY e.originator_id, e.originator_version"
        ).format(Identifier(self.recorder.events_table_name))
        aggregates = {key: value for key, value in known.items() if value is not None}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(query, (ids, versions))
            rows = [
                StoredEvent(
                    r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])
                )
                for r in curs.fetchall()
            ]
        for stored, event in zip(rows, self.decode_all(rows), strict=True):
            key = stored.originator_id
            aggregates[key] = event.mutate(aggregates.get(key))
        return aggregates
