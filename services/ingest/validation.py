"""Check one message from the bus: subject, envelope, headers and data, naming each problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import msgspec
from pydantic import BaseModel, ValidationError

from adapters import bus
from domain.shared import Actor, EventMeta
from services.ingest.envelope import (
    NUL_FREE,
    WORKSPACE_PATTERN,
    Envelope,
    nul_free,
    nul_paths,
)
from services.ingest.registry import COMMANDS, Command

CORRELATION_HEADER = "Chronicle-Correlation-Id"
_WORKSPACE = re.compile(WORKSPACE_PATTERN)


@dataclass(frozen=True)
class Incoming:
    """A message as it came off the ingest stream."""

    subject: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)
    stream_seq: int | None = None
    deliveries: int = 1  # JetStream's count: earlier deliveries are earlier attempts


@dataclass(frozen=True)
class Valid:
    envelope: Envelope
    command: Command
    data: BaseModel
    meta: EventMeta


@dataclass(frozen=True)
class Invalid:
    reasons: list[dict[str, str]]
    workspace_id: str | None
    envelope_id: str | None
    type: str | None


def storable(text: str) -> str:
    """Text PostgreSQL can store: NUL characters escaped, lone surrogates replaced. What a
    reject says about bad input may quote it; the input itself is kept byte for byte."""
    return text.replace("\x00", "\\u0000").encode("utf-8", "replace").decode("utf-8")


def storable_headers(headers: dict[str, str]) -> dict[str, str] | None:
    """A message's headers as a reject or dead letter keeps them (jsonb, which takes no NUL
    either): each name and value `storable`; None for none."""
    return {storable(k): storable(v) for k, v in headers.items()} or None


def problem(field_name: str, text: str, **extra: str) -> dict[str, str]:
    return {"field": storable(field_name), "problem": storable(text), **extra}


def _pydantic_reasons(error: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    reasons = []
    for e in error.errors(include_url=False):
        loc = ".".join(str(part) for part in e["loc"])
        name = f"{prefix}{loc}" if loc else (prefix.rstrip(".") or "body")
        reasons.append(problem(name, e["msg"]))
    return reasons


def _best_effort(data: bytes) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return {}  # it is rejected anyway; this only names the envelope when it can
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return storable(value[:200]) if isinstance(value, str) else None


def subject_workspace(subject: str) -> str | None:
    """The workspace a message was published for: the subject's, never the body's. Verdicts
    and reject notices go there (the producer that sent it listens there, and bus
    permissions give a producer its own workspaces' subjects only)."""
    token = bus.subject_workspace_token(subject)
    return token if token is not None and _WORKSPACE.match(token) else None


def _nul_reasons(data: bytes) -> list[dict[str, str]]:
    if nul_free(data):
        return []
    try:
        decoded = msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return []  # not JSON: the parse error says so
    return [problem(path, text) for path, text in nul_paths(decoded)]


def check(msg: Incoming) -> Valid | Invalid:
    named = bus.parse_ingest_subject(msg.subject)
    subject_ws = subject_workspace(msg.subject)
    # NUL characters are found once, with their exact paths; the models then skip the check.
    nul = _nul_reasons(msg.data)
    try:
        envelope = Envelope.model_validate_json(msg.data, context=NUL_FREE)
    except ValidationError as e:
        guess = _best_effort(msg.data)
        return Invalid(
            nul + _pydantic_reasons(e), subject_ws, _text(guess.get("id")), _text(guess.get("type"))
        )
    reasons = list(nul)
    if named is None:
        reasons.append(
            problem("subject", "must be audit.ingest.<workspace_id>.<aggregate>.<action>")
        )
    else:
        if named.workspace_id != envelope.workspace_id:
            reasons.append(
                problem(
                    "workspace_id",
                    f"is {envelope.workspace_id!r} but the subject says {named.workspace_id!r}",
                )
            )
        if named.type != envelope.type:
            reasons.append(
                problem("type", f"is {envelope.type!r} but the subject says {named.type!r}")
            )
    header_id = msg.headers.get("Nats-Msg-Id")
    if header_id is not None and header_id != envelope.id:
        reasons.append(
            problem(
                "headers.Nats-Msg-Id", f"is {header_id!r} but the envelope id is {envelope.id!r}"
            )
        )
    command = COMMANDS.get(envelope.type)
    if command is None:
        reasons.append(problem("type", f"unknown type {envelope.type!r}"))
    if command is not None:
        try:
            data = command.data_model.model_validate(envelope.data, context=NUL_FREE)
        except ValidationError as e:
            reasons += _pydantic_reasons(e, prefix="data.")
    if reasons:
        # the id and type as a reject can store them (a NUL in either is one of `reasons`)
        return Invalid(reasons, subject_ws, _text(envelope.id), _text(envelope.type))
    a = envelope.actor
    meta = EventMeta(
        workspace_id=envelope.workspace_id,
        actor=Actor(a.type, a.id, a.name),
        occurred_at=envelope.occurred_at,
        envelope_id=envelope.id,
        team_id=envelope.team_id,
        correlation_id=msg.headers.get(CORRELATION_HEADER) or envelope.id,
    )
    return Valid(envelope, command, data, meta)
