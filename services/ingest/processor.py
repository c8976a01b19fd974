"""Apply a batch of ingest messages: each ends accepted, duplicate, rejected or parked.

A batch is one transaction: its events, the envelopes they came from, its rejects and its
dead letters commit together, so a crash anywhere leaves either all of it or none of it.

- rejected: the input is wrong (a field, a rule); kept in `ingest_rejects` for good;
- parked: *we* failed to apply valid input (a bug, a flaky dependency): the batch is
  retried in place with backoff, and once a message has failed `MAX_ATTEMPTS` times in
  all (counting JetStream redeliveries, so a message that crashes the process is bounded
  too) it is parked in `dead_letters` and the stream moves on; `chronicle dlq replay`
  sends it again once fixed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError

from adapters.eventstore import DeadLetter, EnvelopeRecord, EventStore, RejectRecord
from adapters.keys import KeysErased
from domain.shared import RuleViolation
from services.ingest.registry import aggregate_keys, related_keys
from services.ingest.unit_of_work import AggregateCache, UnitOfWork
from services.ingest.validation import (
    Incoming,
    Invalid,
    Valid,
    check,
    problem,
    storable,
    storable_headers,
)

log = structlog.get_logger()
MAX_CONFLICT_RETRIES = 5
MAX_ATTEMPTS = 3


@dataclass
class Outcome:
    status: str  # accepted | duplicate | rejected | parked
    workspace_id: str | None
    envelope_id: str | None
    position: int | None = None
    events: int = 0
    reasons: list[dict[str, str]] = field(default_factory=list)

    def reply(self) -> dict[str, Any]:
        if self.status in ("rejected", "parked"):
            text = "; ".join(f"{r['field']}: {r['problem']}" for r in self.reasons)
            return {
                "status": self.status,
                "id": self.envelope_id,
                "error": {"message": text, "reasons": self.reasons},
            }
        return {
            "status": self.status,
            "id": self.envelope_id,
            "position": self.position,
            "events": self.events,
        }


@dataclass(frozen=True)
class Parked:
    error: str
    attempts: int
    workspace_id: str | None
    envelope_id: str | None
    type: str | None


class PoisonRetry(Exception):
    """A message failed; the whole batch is to be retried (in place, with backoff)."""


class _Poisoned(Exception):
    def __init__(self, index: int, error: Exception) -> None:
        self.index = index
        self.error = error


# Envelopes a transaction at most: psycopg's pipeline mode was seen to hang (client and
# server both waiting, as in psycopg issue #685) on one transaction of ~20,000 envelopes.
MAX_BATCH = 500


class IngestProcessor:
    def __init__(self, store: EventStore, cache_size: int = 100_000) -> None:
        self.store = store
        self.cache = AggregateCache(cache_size)
        self.failures: dict[Any, int] = {}
        self.conflicts = 0  # write races lost to another writer, each retried
        self.erasures_seen = 0  # erasures that made us drop every cached aggregate
        store.keyring.sync_epoch()  # before anything is cached (adapters/keys.py)

    def process(self, messages: Sequence[Incoming]) -> list[Outcome]:
        """Apply messages in order; one transaction per MAX_BATCH of them."""
        if len(messages) <= MAX_BATCH:
            return self._process(messages)
        return [
            outcome
            for start in range(0, len(messages), MAX_BATCH)
            for outcome in self._process(messages[start : start + MAX_BATCH])
        ]

    def _process(self, messages: Sequence[Incoming]) -> list[Outcome]:
        checked: list[Valid | Invalid | Parked] = [check(m) for m in messages]
        conflicts = 0
        while True:
            uow = UnitOfWork(self.store, self.cache)
            try:
                return self._attempt(messages, checked, uow)
            except _Poisoned as p:
                uow.discard()
                checked[p.index] = self._park_or_retry(messages[p.index], checked[p.index], p.error)
            except KeysErased as e:
                # Keys were destroyed since we cached aggregates and keys: what we hold
                # may be personal data that now reads as erased. Forget it all and redo.
                uow.discard()
                self.cache.clear()
                self.store.keyring.forget()
                self.erasures_seen += 1
                log.info("ingest.erasure_seen", error=str(e))
            except IntegrityError as e:
                # Another writer stored the same envelope or aggregate version first.
                uow.discard()
                conflicts += 1
                self.conflicts += 1
                log.warning("ingest.conflict", attempt=conflicts, error=str(e).splitlines()[0])
                if conflicts >= MAX_CONFLICT_RETRIES:
                    raise  # the consumer retries the batch, with backoff
                time.sleep(random.uniform(0, 0.005 * conflicts))  # step out of the other's way
            except BaseException:
                uow.discard()
                raise

    def _park_or_retry(self, msg: Incoming, item: Valid, error: Exception) -> Parked:
        key = msg.stream_seq if msg.stream_seq is not None else id(msg)
        self.failures[key] = self.failures.get(key, 0) + 1
        attempts = self.failures[key] + msg.deliveries - 1
        log.error(
            "ingest.handler_failed",
            envelope_id=item.meta.envelope_id,
            attempts=attempts,
            error=repr(error),
        )
        if attempts < MAX_ATTEMPTS:
            raise PoisonRetry(f"{item.meta.envelope_id}: {error!r}") from error
        self.failures.pop(key, None)
        return Parked(
            repr(error), attempts, item.meta.workspace_id, item.meta.envelope_id, item.envelope.type
        )

    def _attempt(self, messages: Sequence[Incoming], checked: list, uow: UnitOfWork) -> list:
        valid = [v for v in checked if isinstance(v, Valid)]
        known = self._known_envelopes({(v.meta.workspace_id, v.meta.envelope_id) for v in valid})
        uow.preload(key for v in valid for key in aggregate_keys(v.meta, v.data))
        cached = uow.cache.get
        uow.preload(key for v in valid for key in related_keys(v.meta, v.data, cached))
        earlier = self._earlier_outcomes([m.stream_seq for m in messages])
        batch = _Batch()
        for index, (msg, item) in enumerate(zip(messages, checked, strict=True)):
            item = earlier.get(msg.stream_seq, item)
            if isinstance(item, Valid):
                key = (item.meta.workspace_id, item.meta.envelope_id)
                if key in known:
                    batch.duplicate(key, known[key])
                    continue
                try:
                    item.command.handle(uow, item.meta, item.data)
                except RuleViolation as rv:
                    if uow.collect_events():
                        raise _Poisoned(index, RuntimeError(f"events raised before {rv}")) from rv
                    item = Invalid(
                        [problem(rv.field or "type", rv.message, rule=rv.rule)], *_ids(item)
                    )
                except Exception as e:
                    raise _Poisoned(index, e) from e
                else:
                    known[key] = None
                    batch.accepted(key, item.envelope.type, msg.stream_seq, uow.collect_events())
                    continue
            if isinstance(item, Parked):
                batch.parked(msg, item)
            else:
                batch.rejected(msg, item)
        return batch.save(self.store)

    def _known_envelopes(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
        if not keys:
            return {}
        workspaces, ids = zip(*keys, strict=True)
        with self.store.datastore.get_connection() as conn:
            rows = conn.execute(
                "SELECT workspace_id, envelope_id, position FROM ingest_envelopes "
                "WHERE (workspace_id, envelope_id) IN "
                "(SELECT * FROM unnest(%b::text[], %b::text[]))",
                (list(workspaces), list(ids)),
            ).fetchall()
        return {(r["workspace_id"], r["envelope_id"]): r["position"] for r in rows}

    def _earlier_outcomes(self, seqs: list[int | None]) -> dict[int, Invalid | Parked]:
        """A redelivered message that was rejected or parked keeps that outcome."""
        seqs = [s for s in seqs if s is not None]
        if not seqs:
            return {}
        with self.store.datastore.get_connection() as conn, conn.pipeline():
            # Both asked at once: one round trip, on every batch's path.
            rejected = conn.execute(
                "SELECT stream_seq, reason, workspace_id, envelope_id, type FROM ingest_rejects "
                "WHERE stream_seq = ANY(%b::bigint[])",
                (seqs,),
            )
            parked = conn.execute(
                "SELECT stream_seq, error, attempts, workspace_id, envelope_id, type FROM "
                "dead_letters WHERE consumer = 'ingest' AND stream_seq = ANY(%b::bigint[])",
                (seqs,),
            )
            rejected, parked = rejected.fetchall(), parked.fetchall()
        earlier: dict[int, Invalid | Parked] = {
            r["stream_seq"]: Invalid(r["reason"], r["workspace_id"], r["envelope_id"], r["type"])
            for r in rejected
        }
        for r in parked:
            earlier[r["stream_seq"]] = Parked(
                r["error"], r["attempts"], r["workspace_id"], r["envelope_id"], r["type"]
            )
        return earlier


class _Batch:
    """What one batch records, and the outcome of each message, in order."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.events: list[Any] = []
        self.envelopes: list[EnvelopeRecord] = []
        self.rejects: list[RejectRecord] = []
        self.dead_letters: list[DeadLetter] = []
        self.repeats: list[tuple[str, str]] = []
        self.first: dict[tuple[str, str], Outcome] = {}

    def accepted(self, key: tuple[str, str], type_: str, seq: int | None, events: list) -> None:
        self.events.extend(events)
        self.envelopes.append(EnvelopeRecord(*key, type_, seq, len(events)))
        self.outcomes.append(Outcome("accepted", *key, events=len(events)))
        self.first[key] = self.outcomes[-1]

    def duplicate(self, key: tuple[str, str], position: int | None) -> None:
        self.outcomes.append(Outcome("duplicate", *key, position=position))
        self.repeats.append(key)

    def rejected(self, msg: Incoming, item: Invalid) -> None:
        self.rejects.append(
            RejectRecord(
                msg.stream_seq,
                item.workspace_id,
                item.envelope_id,
                storable(msg.subject),
                item.type,
                item.reasons,
                msg.data,
                storable_headers(msg.headers),
            )
        )
        self.outcomes.append(
            Outcome("rejected", item.workspace_id, item.envelope_id, reasons=item.reasons)
        )

    def parked(self, msg: Incoming, item: Parked) -> None:
        self.dead_letters.append(
            DeadLetter(
                "ingest",
                msg.stream_seq,
                None,
                item.workspace_id,
                item.envelope_id,
                storable(msg.subject),
                item.type,
                msg.data,
                storable_headers(msg.headers),
                item.error,
                item.attempts,
            )
        )
        text = f"internal error after {item.attempts} attempts, parked for replay: {item.error}"
        self.outcomes.append(
            Outcome("parked", item.workspace_id, item.envelope_id, reasons=[problem("data", text)])
        )

    def save(self, store: EventStore) -> list[Outcome]:
        if self.events or self.envelopes or self.rejects or self.repeats or self.dead_letters:
            recordings = store.save_events(
                self.events,
                envelopes=self.envelopes,
                rejects=self.rejects,
                repeats=self.repeats,
                dead_letters=self.dead_letters,
            )
            ids = iter(r.notification.id for r in recordings)
            for outcome in self.outcomes:
                if outcome.status == "accepted" and outcome.events:
                    for _ in range(outcome.events):
                        outcome.position = next(ids)
        for outcome in self.outcomes:  # a repeat within the batch points at the first one
            first = self.first.get((outcome.workspace_id, outcome.envelope_id))
            if outcome.status == "duplicate" and first is not None:
                outcome.position = first.position
        return self.outcomes


def _ids(item: Valid | Invalid) -> tuple[str | None, str | None, str | None]:
    if isinstance(item, Valid):
        return item.meta.workspace_id, item.meta.envelope_id, item.envelope.type
    return item.workspace_id, item.envelope_id, item.type
