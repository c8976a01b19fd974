"""Values every Chronicle event carries, identity of aggregates, and rule errors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

ACTOR_TYPES = ("user", "customer", "system", "bot", "workflow", "assistant")

# Fixed forever: aggregate ids are derived from it, so changing it would orphan every stream.
_ID_NAMESPACE = uuid.UUID("6f1d7c3e-2b7a-4a8e-9c51-0d6b7f3a9e21")


@dataclass(frozen=True)
class Actor:
    """Who caused an event: a user, customer, system, bot, workflow or the assistant."""

    type: str
    id: str
    name: str | None = None


@dataclass(frozen=True)
class EventMeta:
    """What every stored event keeps besides its own data.

    `occurred_at` is the producer's clock; the event's `timestamp` is Chronicle's
    (recorded_at). `envelope_id` is the producer's idempotency key. `subjects` names the
    data subjects whose personal data the event holds (`contact:c_1`, see
    domain/personal.py); the aggregate sets it when it records the event. Events stored
    before it existed read with none.
    """

    workspace_id: str
    actor: Actor
    occurred_at: datetime
    envelope_id: str
    team_id: str | None = None
    correlation_id: str | None = None
    subjects: tuple[str, ...] = ()

    def about(self, *subjects: str | None) -> EventMeta:
        """This meta for an event about `subjects` (Nones left out, order kept)."""
        wanted = tuple(dict.fromkeys(s for s in subjects if s))
        return self if wanted == self.subjects else replace(self, subjects=wanted)


class RuleViolation(Exception):
    """A command that makes no sense for the aggregate's current state."""

    def __init__(self, rule: str, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message
        self.field = field


# Memoised: ingest derives the same few ids many times per envelope (keys to preload, then
# the handler), and busy contacts recur across batches; uuid5 costs ~3 µs a call.
@lru_cache(maxsize=262_144)
def aggregate_id(kind: str, workspace_id: str, external_id: str) -> uuid.UUID:
    """The stable id of the `kind` aggregate a producer calls `external_id` in a workspace.

    Deterministic, so every producer message about the same thing lands on one stream,
    and two workspaces can never share one.
    """
    return uuid.uuid5(_ID_NAMESPACE, f"{kind}\x1f{workspace_id}\x1f{external_id}")


def rule(holds: bool, name: str, text: str, field: str | None = None) -> None:
    """Raise RuleViolation `name` unless the rule holds."""
    if not holds:
        raise RuleViolation(name, text, field=field)
