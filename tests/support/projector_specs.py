"""Projector specs: Given stored events -> When one read model applies them -> Then its rows.

Against the test's own PostgreSQL database, without NATS: the events are stored the way
ingest stores them (the real processor, from producer envelopes), the model's schema is
made, and the engine's runner catches it up from the store, as a projector that starts
late does. It is built three times, the whole story in one batch, one event per batch and
three events per batch (stored rows changed by a batch), and all must hold the same rows:
a handler that keeps state for its batch cannot get one of them wrong unnoticed.

A spec names the event classes it covers (`@covers(Conversation.Reassigned)`); the spec
fails if none of them reached the model, and tests/projections/test_every_handler.py
fails while a handler of a read model has no spec covering one of its classes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from adapters.eventstore import EventStore
from chronicle_tools.workload import Producer
from projections.engine.base import Projection
from projections.engine.runner import ProjectionRunner
from projections.engine.source import read_batches
from projections.shared.handlers import concrete
from services.ingest.registry import COMMANDS
from tests.support.store import ingest

DANA = ("user", "u_17", "Dana")
SAM = ("user", "u_21", "Sam")
ANN = ("customer", "c_ann", "Ann Lee")
BOT = ("bot", "bot_1", "Helper")
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

_applied: ContextVar[set[type] | None] = ContextVar("applied", default=None)


class Given:
    """Producer envelopes, in the order they are stored, in one or more workspaces."""

    def __init__(self) -> None:
        self.messages: list = []
        self._producers: dict[str, Producer] = {}

    def tell(
        self,
        type_: str,
        data: dict[str, Any],
        *,
        ws: str = "ws_a",
        actor: tuple = DANA,
        team: str | None = None,
        minutes: int | None = None,
    ) -> Given:
        """One envelope, a minute after the one before (or at `minutes` after START)."""
        producer = self._producers.setdefault(ws, Producer(ws, f"{ws}-spec"))
        at = START + timedelta(minutes=len(self.messages) + 1 if minutes is None else minutes)
        self.messages.append(producer.envelope(type_, data, actor, at, team))
        return self

    def example(self, type_: str, *, ws: str = "ws_a", team: str | None = None) -> Given:
        """The catalogue's example of `type_` (services/ingest/registry.py), after the
        envelopes it needs before it."""
        command = COMMANDS[type_]
        for given_type, data in (*command.given, (type_, command.example)):
            self.tell(given_type, data, ws=ws, team=team)
        return self


class Then:
    """The rows of the model's tables, as a reader finds them."""

    def __init__(self, database_url: str, model: Projection, stored: int) -> None:
        self.database_url, self.model, self.stored = database_url, model, stored

    def rows(self, table: Any, *columns: str, where: str = "true") -> list[tuple]:
        """`columns` (default: all) of every row of `table` where `where` holds, in order."""
        listed = ", ".join(columns) or "*"
        with psycopg.connect(self.database_url) as conn:
            found = conn.execute(
                f"SELECT {listed} FROM {self.model.schema}.{_name(table)} WHERE {where}"
            ).fetchall()
        return sorted(found, key=lambda row: [(v is not None, v) for v in row])

    def row(self, table: Any, *columns: str, where: str = "true") -> tuple:
        found = self.rows(table, *columns, where=where)
        assert len(found) == 1, f"expected one row of {_name(table)} where {where}: {found}"
        return found[0]


def _name(table: Any) -> str:
    return getattr(table, "name", table)


async def when_applied(database_url: str, model_class: type[Projection], given: Given) -> Then:
    """Store `given`, apply it to the model in one batch, event by event, and three events
    a batch (stored rows and new ones changed by one batch); the rows of all three must
    agree. Returns the one-batch model's rows."""
    store = EventStore(database_url)
    stored = ingest(store, given.messages)
    store.close()
    whole, single = model_class(), model_class(f"{model_class.name}_one_by_one")
    threes = model_class(f"{model_class.name}_by_threes")
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for model, batch in ((whole, 5000), (single, 1), (threes, 3)):
            await model.create(conn)
            assert await ProjectionRunner(model).catch_up(conn, batch=batch) == stored
        await _note_applied(conn, whole)
        for table in whole.table_names():
            for a, b in ((whole, single), (single, whole), (whole, threes), (threes, whole)):
                cur = await conn.execute(
                    f"SELECT * FROM {a.schema}.{table} EXCEPT ALL SELECT * FROM {b.schema}.{table}"
                )
                extra = await cur.fetchall()
                assert not extra, f"{table}: rows of {a.schema} not in {b.schema}: {extra}"
    return Then(database_url, whole, stored)


async def _note_applied(conn: psycopg.AsyncConnection, model: Projection) -> None:
    seen = _applied.get()
    if seen is None:
        return
    runner = ProjectionRunner(model)
    async for events in read_batches(conn, runner.mapper, 0, 10**12, wants=model.wants):
        seen.update(type(r.event) for r in events if r.event is not None)


def covers(*event_classes: type) -> Callable:
    """Mark a spec as the one of the handlers of these event classes (in the read model
    its folder is named after); it fails unless an event of one of them was applied."""

    covered = {k for c in event_classes for k in concrete(c)}

    def mark(spec: Callable) -> Callable:
        @functools.wraps(spec)
        async def run(*args, **kwargs):
            seen: set[type] = set()
            token = _applied.set(seen)
            try:
                await spec(*args, **kwargs)
            finally:
                _applied.reset(token)
            names = ", ".join(c.__name__ for c in event_classes)
            assert seen & covered, f"no event of {names} reached the read model"

        run.covers = covered  # type: ignore[attr-defined]
        return run

    return mark
