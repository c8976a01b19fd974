"""What every row derived from one event holds: the event's data, actor, times and
summary (summaries.py), the common columns of timelines, audit trails and histories."""

from __future__ import annotations

from typing import Any

import msgspec

from projections.engine.base import Recorded
from projections.shared.summaries import summary

ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "meta"}
)
_json = msgspec.json.Encoder()


def data_of(event: Any) -> dict[str, Any]:
    """The event's own fields, as plain JSON values."""
    return msgspec.to_builtins({k: v for k, v in vars(event).items() if k not in ENVELOPE_FIELDS})


def common_columns(recorded: Recorded, data: dict[str, Any] | None = None) -> tuple:
    """(occurred_at, recorded_at, type, actor type/id/name, team, summary, details json);
    `data`: the event's, when the caller has it already."""
    meta = recorded.meta
    data = data_of(recorded.event) if data is None else data
    return (
        meta.occurred_at,
        recorded.event.timestamp,
        recorded.type,
        meta.actor.type,
        meta.actor.id,
        meta.actor.name,
        meta.team_id,
        summary(recorded, data),
        _json.encode(data).decode(),
    )


COMMON_DDL = """
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    type text NOT NULL,
    actor_type text NOT NULL,
    actor_id text NOT NULL,
    actor_name text,
    team_id text,
    summary text NOT NULL,
    details jsonb NOT NULL
"""
COMMON_COLUMNS = (
    "occurred_at, recorded_at, type, actor_type, actor_id, actor_name, team_id, summary, details"
)
COMMON_PLACEHOLDERS = "%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb"
