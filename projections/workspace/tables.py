"""The workspace directory's tables (schema `rm_workspace`)."""

from __future__ import annotations

from projections.shared.describe import COMMON_DDL
from projections.shared.tables import Table

SCHEMA = "rm_workspace"

# The workspace's settings: its time zone (reports cut days in it).
SETTINGS = Table(
    SCHEMA,
    "settings",
    """workspace_id text PRIMARY KEY, time_zone text NOT NULL,
    changed_at timestamptz NOT NULL, position bigint NOT NULL""",
)
# Every channel it has had; a deleted one is marked.
CHANNELS = Table(
    SCHEMA,
    "channels",
    "workspace_id text NOT NULL, channel text NOT NULL, name text, deleted_at timestamptz",
    key="workspace_id, channel",
)
# Its users, by the name last seen; a deleted one is marked (and shown by id).
USERS = Table(
    SCHEMA,
    "users",
    "workspace_id text NOT NULL, user_id text NOT NULL, name text, deleted_at timestamptz",
    key="workspace_id, user_id",
)
# The history of its settings changes.
HISTORY = Table(
    SCHEMA,
    "history",
    f"workspace_id text NOT NULL, position bigint NOT NULL, {COMMON_DDL}",
    key="workspace_id, position",
)


def ddl(schema: str) -> list[str]:
    return [t.create(schema) for t in (SETTINGS, CHANNELS, USERS, HISTORY)]
