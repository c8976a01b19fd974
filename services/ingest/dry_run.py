"""Apply envelopes to the in-memory test double of the event store (adapters/eventstore/
fake.py) through the real handlers, with no services: for examples, generated docs and
unit tests of domain logic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from adapters.eventstore.fake import MemoryStore
from domain.shared import Actor, EventMeta, RuleViolation
from services.ingest.registry import COMMANDS
from services.ingest.unit_of_work import AggregateCache, UnitOfWork

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DANA = Actor("user", "u_17", "Dana")


class Workspace:
    """Apply envelopes (type, data) through the real handlers, as ingest would."""

    def __init__(self, workspace_id: str = "ws_acme") -> None:
        self.workspace_id = workspace_id
        self.store = MemoryStore()
        self.cache = AggregateCache(10_000)
        self.count = 0
        self.leftover: list[Any] = []

    def tell(self, type_: str, data: dict[str, Any], actor: Actor = DANA) -> list[Any]:
        command = COMMANDS[type_]
        self.count += 1
        meta = EventMeta(
            self.workspace_id, actor, START + timedelta(minutes=self.count), f"env-{self.count}"
        )
        uow = UnitOfWork(self.store, self.cache)
        try:
            command.handle(uow, meta, command.data_model.model_validate(data))
        except RuleViolation:
            # As in ingest: the cache is kept, so anything the command changed before
            # raising would show (events left behind, or live state unlike the log's).
            self.leftover = uow.collect_events()
            raise
        except Exception:
            uow.discard()
            raise
        events = uow.collect_events()
        self.store.save_events(events)
        return events

    def given(self, *envelopes: tuple[str, dict[str, Any]]) -> Workspace:
        for type_, data in envelopes:
            self.tell(type_, data)
        return self


def example_events(type_: str) -> list[Any]:
    """The events the registry's example of `type_` records (after its prerequisites)."""
    command = COMMANDS[type_]
    return Workspace().given(*command.given).tell(type_, command.example)


def rebuilt(store: MemoryStore, aggregate_id: UUID) -> Any:
    aggregate = None
    for event in store.streams.get(aggregate_id, []):
        aggregate = event.mutate(aggregate)
    return aggregate
