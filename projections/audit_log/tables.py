"""The audit log's table (schema `rm_audit_log`)."""

from __future__ import annotations

from projections.shared.tables import Table

SCHEMA = "rm_audit_log"

# Every event of a workspace, by what auditors ask about it: who, what, which record,
# when. The event itself is read from the store (raw, with its chain link) by position.
EVENTS = Table(
    SCHEMA,
    "events",
    """workspace_id text NOT NULL, position bigint NOT NULL, type text NOT NULL,
    aggregate_id uuid NOT NULL, actor_type text NOT NULL, actor_id text NOT NULL,
    recorded_at timestamptz NOT NULL""",
    key="workspace_id, position",
)
EVENTS_BY_ACTOR = EVENTS.index("events_by_actor", "workspace_id, actor_id, actor_type, position")
EVENTS_BY_RECORD = EVENTS.index("events_by_record", "aggregate_id, position")
EVENTS_BY_TIME = EVENTS.index("events_by_time", "workspace_id, recorded_at")


def ddl(schema: str) -> list[str]:
    return [
        EVENTS.create(schema),
        EVENTS_BY_ACTOR.create(schema),
        EVENTS_BY_RECORD.create(schema),
        EVENTS_BY_TIME.create(schema),
    ]
