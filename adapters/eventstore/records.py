"""What a batch records beside its events, in the same transaction: the envelopes it
came from (the ingest ledger, the only judge of a repeat), rejects and dead letters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from psycopg.sql import SQL


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


INSERT_DEAD_LETTER = (
    "INSERT INTO dead_letters (consumer, stream_seq, position, workspace_id, envelope_id, "
    "subject, type, payload, headers, error, attempts) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s) ON CONFLICT DO NOTHING"
)
INSERT_REJECT = SQL(
    "INSERT INTO ingest_rejects "
    "(stream_seq, workspace_id, envelope_id, subject, type, reason, payload, headers) "
    "VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s::jsonb) ON CONFLICT (stream_seq) DO NOTHING"
)
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


def _json(value: Any) -> str | None:
    return msgspec.json.encode(value).decode() if value is not None else None


def dead_letter_row(d: DeadLetter) -> tuple:
    return (
        *(d.consumer, d.stream_seq, d.position, d.workspace_id, d.envelope_id),
        *(d.subject, d.type, d.payload, _json(d.headers), d.error, d.attempts),
    )


def reject_row(r: RejectRecord) -> tuple:
    reason = msgspec.json.encode(r.reason).decode()
    return (
        *(r.stream_seq, r.workspace_id, r.envelope_id, r.subject, r.type),
        *(reason, r.payload, _json(r.headers)),
    )


def record_envelopes(
    curs: Any,
    envelopes: Sequence[EnvelopeRecord],
    repeats: Sequence[tuple[str, str]],
    ids: Sequence[int],
) -> None:
    """Write the envelopes' ledger rows, each with its position, and count repeats."""
    if envelopes:
        rows = zip(envelopes, _envelope_positions(envelopes, ids), strict=True)
        columns = [list(c) for c in zip(*(_envelope_row(e, p) for e, p in rows), strict=True)]
        curs.execute(_INSERT_ENVELOPES, columns, prepare=True)
    if repeats:  # after the inserts: a repeat may be of an envelope in this batch
        curs.execute(_COUNT_REPEATS, [list(c) for c in zip(*repeats, strict=True)], prepare=True)


def _envelope_row(e: EnvelopeRecord, position: int | None) -> tuple:
    return (e.workspace_id, e.envelope_id, e.type, e.stream_seq, e.event_count, position)


def _envelope_positions(
    envelopes: Iterable[EnvelopeRecord], ids: Sequence[int]
) -> Iterable[int | None]:
    """Each envelope's position: that of its last event (None: it recorded none)."""
    offset = 0
    for e in envelopes:
        offset += e.event_count
        yield ids[offset - 1] if e.event_count else None
