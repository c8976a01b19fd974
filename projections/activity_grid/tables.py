"""The activity grid's tables (schema `rm_activity_grid`)."""

from __future__ import annotations

from projections.shared.tables import Table

SCHEMA = "rm_activity_grid"

# One row per activity and closed interaction, with the grid's columns (seed 002);
# `channel`: an interaction's conversation's (the email rule reads it: shared/visibility.py).
ACTIVITIES = Table(
    SCHEMA,
    "activities",
    """workspace_id text NOT NULL, activity_id text NOT NULL, position bigint NOT NULL,
    type text NOT NULL, contact_id text, contact_name text, lead_id text,
    lead_name text, account_id text, account_name text, summary text,
    direction text, agent_id text, agent_name text, source text NOT NULL,
    first_message text, created_at timestamptz NOT NULL, team_id text, channel text,
    deleted boolean NOT NULL DEFAULT false,
    changed_position bigint""",
    key="workspace_id, activity_id",
)
# Each contact's current name (the contact filter finds a renamed contact).
CONTACTS = Table(
    SCHEMA,
    "contacts",
    "workspace_id text NOT NULL, contact_id text NOT NULL, name text",
    key="workspace_id, contact_id",
)
# Each conversation's contact, owner and channel, for its closed interactions' rows.
CONVERSATIONS = Table(
    SCHEMA,
    "conversations",
    """workspace_id text NOT NULL, conversation_id text NOT NULL, contact_id text,
    agent_id text, team_id text, channel text""",
    key="workspace_id, conversation_id",
)
ORDER = "created_at DESC, position DESC"
INDEXES = (
    # The position of the last event that changed a row after it was added (a rename, a
    # deletion): live subscribers are sent the row again from there.
    ACTIVITIES.index("activities_changes", "workspace_id, (coalesce(changed_position, position))"),
    *(
        ACTIVITIES.index(
            f"activities_{column or 'all'}",
            f"workspace_id, {column + ', ' if column else ''}{ORDER}",
            where="NOT deleted",
        )
        for column in (
            "",
            "type",
            "agent_id",
            "source",
            "direction",
            "contact_id",
            "lead_id",
            "account_id",
        )
    ),
)
# Substring filters use these where pg_trgm exists (projector.py)
TRIGRAM = tuple(
    ACTIVITIES.index(f"activities_{column}_trgm", f"lower({column}) gin_trgm_ops", using="gin")
    for column in ("contact_name", "lead_name", "account_name", "summary")
)


def ddl(schema: str) -> list[str]:
    return [
        ACTIVITIES.create(schema),
        # schemas made before the column existed
        f"ALTER TABLE {ACTIVITIES.at(schema)} ADD COLUMN IF NOT EXISTS changed_position bigint",
        CONTACTS.create(schema),
        CONVERSATIONS.create(schema),
        *(i.create(schema) for i in INDEXES),
    ]
