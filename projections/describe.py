"""How an event reads on a timeline or audit trail: a one-line summary and its data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from projections.base import Recorded

ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "meta"}
)
_json = msgspec.json.Encoder()


def data_of(event: Any) -> dict[str, Any]:
    """The event's own fields, as plain JSON values."""
    return msgspec.to_builtins({k: v for k, v in vars(event).items() if k not in ENVELOPE_FIELDS})


def snippet(text: str | None, size: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _who(agent: str | None, team: str | None) -> str:
    if agent and team:
        return f"{agent} ({team})"
    return agent or (f"team {team}" if team else "nobody")


SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "contact.added": lambda d: (
        f"Contact added via {d['source']}" + (f": {d['name']}" if d.get("name") else "")
    ),
    "contact.connected": lambda d: f"Connected on {d['channel']} via {d['source']}",
    "conversation.opened": lambda d: (
        f"Conversation opened on {d['channel']}" + (f": {d['subject']}" if d.get("subject") else "")
    ),
    "conversation.message_received": lambda d: (
        f"Message received on {d['message']['channel']}: {snippet(d['message']['body'])}"
    ),
    "conversation.message_sent": lambda d: (
        f"Message sent on {d['message']['channel']}: {snippet(d['message']['body'])}"
    ),
    "conversation.reassigned": lambda d: (
        f"Reassigned from {_who(d['from_agent_id'], d['from_team_id'])} "
        f"to {_who(d['to_agent_id'], d['to_team_id'])}"
    ),
    "conversation.tag_added": lambda d: f"Tag added: {d['tag']}",
    "conversation.tag_removed": lambda d: f"Tag removed: {d['tag']}",
    "conversation.resolved": lambda d: (
        "Auto-resolved by the assistant" if d.get("automatic") else "Resolved"
    ),
    "conversation.reopened": lambda d: "Reopened",
}


def summary(recorded: Recorded, data: dict[str, Any]) -> str:
    describe = SUMMARIES.get(recorded.type)
    if describe is None:
        return recorded.type.split(".", 1)[1].replace("_", " ").capitalize()
    return describe(data)


def common_columns(recorded: Recorded) -> tuple:
    """(occurred_at, recorded_at, type, actor type/id/name, team, summary, details json)."""
    meta = recorded.meta
    data = data_of(recorded.event)
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
