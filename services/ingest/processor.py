"""Apply a batch of ingest messages: every message ends accepted, duplicate or rejected.

A batch is one transaction: its events, the envelopes they came from and its rejects
commit together, so a crash anywhere leaves either all of it or none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError

from adapters.eventstore import EnvelopeRecord, EventStore, RejectRecord
from domain.shared import RuleViolation
from services.ingest.registry import aggregate_keys
from services.ingest.unit_of_work import AggregateCache, UnitOfWork
from services.ingest.validation import Incoming, Invalid, Valid, check, problem

log = structlog.get_logger()
MAX_CONFLICT_RETRIES = 5


@dataclass
class Outcome:
    status: str  # accepted | duplicate | rejected
    workspace_id: str | None
    envelope_id: str | None
    position: int | None = None
    events: int = 0
    reasons: list[dict[str, str]] = field(default_factory=list)

    def reply(self) -> dict[str, Any]:
        if self.status == "rejected":
            text = "; ".join(f"{r['field']}: {r['problem']}" for r in self.reasons)
            return {
                "status": "rejected",
                "id": self.envelope_id,
                "error": {"message": text, "reasons": self.reasons},
            }
        return {
            "status": self.status,
            "id": self.envelope_id,
            "position": self.position,
            "events": self.events,
        }


class _Poisoned(Exception):
    def __init__(self, index: int, error: Exception) -> None:
        self.index = index
        self.error = error


class IngestProcessor:
    def __init__(self, store: EventStore, cache_size: int = 100_000) -> None:
        self.store = store
        self.cache = AggregateCache(cache_size)

    def process(self, messages: Sequence[Incoming]) -> list[Outcome]:
        checked: list[Valid | Invalid] = [check(m) for m in messages]
        conflicts = 0
        while True:
            uow = UnitOfWork(self.store, self.cache)
            try:
                return self._attempt(messages, checked, uow)
            except _Poisoned as p:
                uow.discard()
                log.error("ingest.handler_failed", index=p.index, error=repr(p.error))
                v = checked[p.index]
                checked[p.index] = Invalid(
                    [problem("data", f"internal error while applying: {p.error!r}")],
                    v.meta.workspace_id,
                    v.meta.envelope_id,
                    v.envelope.type,
                )
            except IntegrityError as e:
                # Another writer stored the same envelope or aggregate version first.
                uow.discard()
                conflicts += 1
                log.warning("ingest.conflict", attempt=conflicts, error=str(e).splitlines()[0])
                if conflicts >= MAX_CONFLICT_RETRIES:
                    raise
            except BaseException:
                uow.discard()
                raise

    def _attempt(
        self, messages: Sequence[Incoming], checked: list[Valid | Invalid], uow: UnitOfWork
    ) -> list[Outcome]:
        valid = [v for v in checked if isinstance(v, Valid)]
        known = self._known_envelopes({(v.meta.workspace_id, v.meta.envelope_id) for v in valid})
        uow.preload(key for v in valid for key in aggregate_keys(v.meta, v.data))
        already_rejected = self._known_rejects([m.stream_seq for m in messages])
        outcomes: list[Outcome] = []
        events: list[Any] = []
        envelopes: list[EnvelopeRecord] = []
        rejects: list[RejectRecord] = []
        first_in_batch: dict[tuple[str, str], Outcome | None] = {}
        repeats: list[tuple[str, str]] = []
        for index, (msg, item) in enumerate(zip(messages, checked, strict=True)):
            if msg.stream_seq in already_rejected:
                item = Invalid(already_rejected[msg.stream_seq], *_ids(item))
            if isinstance(item, Valid):
                key = (item.meta.workspace_id, item.meta.envelope_id)
                if key in known:
                    outcomes.append(Outcome("duplicate", *key, position=known[key]))
                    first_in_batch.setdefault(key, None)
                    repeats.append(key)
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
                    new = uow.collect_events()
                    known[key] = None
                    events.extend(new)
                    envelopes.append(
                        EnvelopeRecord(*key, item.envelope.type, msg.stream_seq, len(new))
                    )
                    outcomes.append(Outcome("accepted", *key, events=len(new)))
                    first_in_batch[key] = outcomes[-1]
                    continue
            rejects.append(_reject_record(msg, item))
            outcomes.append(
                Outcome("rejected", item.workspace_id, item.envelope_id, reasons=item.reasons)
            )
        if events or envelopes or rejects or repeats:
            recordings = self.store.save(
                *events, envelopes=envelopes, rejects=rejects, repeats=repeats
            )
            _fill_positions(outcomes, [r.notification.id for r in recordings])
        for o in outcomes:  # a repeat within the batch points at the first one's events
            first = first_in_batch.get((o.workspace_id, o.envelope_id))
            if o.status == "duplicate" and first is not None:
                o.position = first.position
        return outcomes

    def _known_envelopes(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
        if not keys:
            return {}
        workspaces, ids = zip(*keys, strict=True)
        with self.store.datastore.get_connection() as conn:
            rows = conn.execute(
                "SELECT workspace_id, envelope_id, position FROM ingest_envelopes "
                "WHERE (workspace_id, envelope_id) IN "
                "(SELECT * FROM unnest(%s::text[], %s::text[]))",
                (list(workspaces), list(ids)),
            ).fetchall()
        return {(r["workspace_id"], r["envelope_id"]): r["position"] for r in rows}

    def _known_rejects(self, seqs: list[int | None]) -> dict[int, list[dict[str, str]]]:
        seqs = [s for s in seqs if s is not None]
        if not seqs:
            return {}
        with self.store.datastore.get_connection() as conn:
            rows = conn.execute(
                "SELECT stream_seq, reason FROM ingest_rejects WHERE stream_seq = ANY(%s)", (seqs,)
            ).fetchall()
        return {r["stream_seq"]: r["reason"] for r in rows}


def _ids(item: Valid | Invalid) -> tuple[str | None, str | None, str | None]:
    if isinstance(item, Valid):
        return item.meta.workspace_id, item.meta.envelope_id, item.envelope.type
    return item.workspace_id, item.envelope_id, item.type


def _reject_record(msg: Incoming, item: Invalid) -> RejectRecord:
    return RejectRecord(
        msg.stream_seq,
        item.workspace_id,
        item.envelope_id,
        msg.subject,
        item.type,
        item.reasons,
        msg.data,
        dict(msg.headers) or None,
    )


def _fill_positions(outcomes: list[Outcome], ids: list[int]) -> None:
    offset = 0
    for outcome in outcomes:
        if outcome.status == "accepted" and outcome.events:
            offset += outcome.events
            outcome.position = ids[offset - 1]
