"""One batch's view of the aggregates: loads what it needs in bulk, tracks what changed."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from adapters.eventstore import AggregateStore
from domain.shared import RuleViolation

ABSENT: Any = object()
"""Cached marker: the store was asked and has no such aggregate."""


class AggregateCache:
    """Least-recently-used aggregates (and known absences) kept between batches.

    Never trusted blindly: each batch fast-forwards what it uses (`UnitOfWork.preload`),
    a batch that fails to save evicts every aggregate it touched, and a concurrent
    writer's conflict surfaces as an IntegrityError that does the same.
    """

    def __init__(self, max_size: int, evicted: Callable[[UUID], None] | None = None) -> None:
        self.max_size = max_size
        self._items: OrderedDict[UUID, Any] = OrderedDict()
        self._evicted = evicted  # told of each key the size limit pushes out

    def get(self, key: UUID) -> Any | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: UUID, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_size:
            key, _ = self._items.popitem(last=False)
            if self._evicted is not None:
                self._evicted(key)

    def evict(self, keys: Iterable[UUID]) -> None:
        for key in keys:
            self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()


class UnitOfWork:
    def __init__(self, store: AggregateStore, cache: AggregateCache) -> None:
        self.store = store
        self.cache = cache
        self.touched: set[UUID] = set()
        self._pending: list[Any] = []
        self._current: set[UUID] = set()

    def preload(self, ids: Iterable[UUID]) -> None:
        """Make the cached copies of `ids` current, with one query.

        Cached aggregates are only fast-forwarded (events newer than their version),
        so a batch costs one indexed lookup per aggregate when nothing changed, and
        another writer's changes are never missed by a rule check.
        """
        wanted = [key for key in set(ids) if key not in self._current]
        if not wanted:
            return
        known = {}
        for key in wanted:
            cached = self.cache.get(key)
            known[key] = None if cached is None or cached is ABSENT else cached
        current = self.store.catch_up(known)
        for key in wanted:
            self.cache.put(key, current.get(key, ABSENT))
        self._current.update(wanted)

    def find(self, aggregate_id: UUID) -> Any | None:
        """The aggregate, current as of this batch, or None if it was never created."""
        self.preload([aggregate_id])
        value = self.cache.get(aggregate_id)
        if value is ABSENT or value is None:
            return None
        self._remember(value)
        return value

    def require(self, aggregate_id: UUID, what: str, field: str) -> Any:
        aggregate = self.find(aggregate_id)
        if aggregate is None:
            raise RuleViolation(f"{what}.exists", f"{what} was never created", field=field)
        return aggregate

    def add(self, aggregate: Any) -> None:
        self.cache.put(aggregate.id, aggregate)
        self._current.add(aggregate.id)
        self._remember(aggregate)

    def _remember(self, aggregate: Any) -> None:
        self.touched.add(aggregate.id)
        self._pending.append(aggregate)

    def collect_events(self) -> list[Any]:
        """Events raised since the last call, in the order they were raised per aggregate."""
        unique = {agg.id: agg for agg in self._pending}  # aggregates are unhashable
        events = [e for agg in unique.values() for e in agg.collect_events()]
        self._pending.clear()
        return events

    def discard(self) -> None:
        """Forget every aggregate this batch touched: their in-memory state is unsaved."""
        self.cache.evict(self.touched)
        self.touched.clear()
        self._pending.clear()
