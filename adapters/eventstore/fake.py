"""`MemoryStore`: the in-memory test double of the event store.

For dry runs of envelopes through the real handlers (services/ingest/dry_run.py: unit
tests, generated docs' examples). Nothing that runs Chronicle uses it: it keeps events in
a dict, records no ledger, chain or keys, and is not safe across threads. It answers the
`AggregateStore` contract as the PostgreSQL store does
(tests/integration/test_aggregate_store.py runs the same tests on both).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Notification, Recording

from adapters.eventstore.address_index import rows_of


class MemoryStore:
    def __init__(self) -> None:
        self.streams: dict[UUID, list[Any]] = {}
        self.position = 0
        self._addresses: dict[tuple[str, str], list[str]] = {}

    def catch_up(self, known: dict[UUID, Any]) -> dict[UUID, Any]:
        current = {k: v for k, v in known.items() if v is not None}
        for key, aggregate in known.items():
            version = aggregate.version if aggregate is not None else 0
            for event in self.streams.get(key, [])[version:]:
                current[key] = event.mutate(current.get(key))
        return current

    def load_many(self, ids: Iterable[UUID]) -> dict[UUID, Any]:
        return self.catch_up({key: None for key in ids})

    def save_events(self, events: Sequence[Any], **records: Any) -> list[Recording]:
        expected: dict[UUID, int] = {}
        for event in events:  # all checked first: a conflict stores nothing
            key = event.originator_id
            version = expected.get(key, len(self.streams.get(key, []))) + 1
            if event.originator_version != version:
                raise IntegrityError(f"{key} v{event.originator_version}: expected v{version}")
            expected[key] = version
        recordings = []
        for event in events:
            self.streams.setdefault(event.originator_id, []).append(event)
            self.position += 1
            recordings.append(Recording(event, self._notification(event)))
        for workspace_id, address, contact_id in rows_of(events):
            found = self._addresses.setdefault((workspace_id, address), [])
            if contact_id not in found:
                found.append(contact_id)
        return recordings

    def contacts_with_addresses(
        self, workspace_id: str, addresses: Iterable[str]
    ) -> dict[str, list[str]]:
        found = {a: self._addresses.get((workspace_id, a), []) for a in set(addresses)}
        return {a: sorted(ids) for a, ids in found.items() if ids}

    def _notification(self, event: Any) -> Notification:
        # Nothing is encoded in memory: a recording names the event, its state is empty.
        return Notification(
            id=self.position,
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=type(event).TOPIC,
            state=b"",
        )
