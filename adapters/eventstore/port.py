"""The port through which the use cases load and store aggregates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import Recording


@runtime_checkable
class AggregateStore(Protocol):
    """Where aggregates come from and their new events go.

    Implemented by `EventStore` (PostgreSQL, adapters/eventstore/store.py) and by
    `MemoryStore` (the in-memory test double, adapters/eventstore/fake.py);
    tests/integration/test_aggregate_store.py holds both to this contract.
    """

    def catch_up(self, known: dict[UUID, Any]) -> dict[UUID, Any]:
        """Bring aggregates up to date: for each id, apply the events after the version of
        the aggregate given (None: not known yet, so all of them). Returns the ids that
        have an aggregate, each at its current version; ids never created are left out."""
        ...

    def load_many(self, ids: Iterable[UUID]) -> dict[UUID, Any]:
        """The current aggregates of these ids (those that exist)."""
        ...

    def save_events(self, events: Sequence[Any], **records: Any) -> list[Recording]:
        """Store new events at once, or none of them: an event whose version is taken
        raises eventsourcing's `IntegrityError`. One recording per event, in order; its
        `notification.id` is the event's position in the log (increasing). `records` are
        what the batch records beside (envelopes, rejects, ...: adapters/eventstore/records.py),
        which a store without a ledger may ignore."""
        ...

    def contacts_with_addresses(
        self, workspace_id: str, addresses: Iterable[str]
    ) -> dict[str, list[str]]:
        """address -> the ids of the workspace's contacts that have ever had it (by the
        address's key, domain/email_values.address_key): candidates to be checked."""
        ...
