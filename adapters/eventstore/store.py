"""The event store: eventsourcing's application over PostgreSQL, with msgspec encoding
and Chronicle's recorder (adapters/eventstore/recorder.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import EventStore as LibraryEventStore
from eventsourcing.persistence import Notification, Recording, StoredEvent

from adapters.eventstore import address_index, table
from adapters.eventstore.connection import application_env
from adapters.keys import Keyring, PostgresKeys
from adapters.mapper import MsgspecMapper
from adapters.sealing import MARK_BYTES, key_ids


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
    """Chronicle's event-sourced application: stores and loads all aggregates. The
    PostgreSQL implementation of `AggregateStore` (adapters/eventstore/port.py)."""

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
        """Store domain events already collected, in one transaction; `kwargs` reach the
        recorder (envelopes, rejects, ...). Not the library's `save`: it tells events from
        aggregates with runtime-protocol isinstance checks, ~10 us an event. Its other
        steps do nothing here (no snapshots, no aggregate cache, no `_notify` override)."""
        return self.events.put(list(events), **kwargs)

    def contacts_with_addresses(self, workspace_id: str, addresses: Iterable[str]) -> dict:
        """address -> ids of contacts that have had it (see address_index.py)."""
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
        versions = [a.version if a is not None else 0 for a in known.values()]
        with self.datastore.get_connection() as conn:
            rows = table.after_versions(conn, list(known), versions)
        aggregates = {key: value for key, value in known.items() if value is not None}
        for stored, event in zip(rows, self.decode_all(rows), strict=True):
            key = stored.originator_id
            aggregates[key] = event.mutate(aggregates.get(key))
        return aggregates
