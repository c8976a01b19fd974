"""Given/when/then helpers for pure domain tests (no services)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.shared import Actor, EventMeta

DANA = Actor("user", "u_17", "Dana")
ANN = Actor("customer", "c_ann", "Ann Lee")


def meta(
    envelope_id: str = "e1",
    actor: Actor = DANA,
    team_id: str | None = None,
    workspace_id: str = "ws_acme",
) -> EventMeta:
    return EventMeta(
        workspace_id, actor, datetime(2026, 11, 20, 9, 15, tzinfo=UTC), envelope_id, team_id
    )


def replay(events: list[Any]) -> Any:
    """The aggregate rebuilt from its events, as the store would rebuild it."""
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def names(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]
