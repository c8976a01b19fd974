"""The contacts report's tables (schema `rm_contacts_report`)."""

from __future__ import annotations

from projections.shared.days import Rollup, zones_table
from projections.shared.tables import Table

SCHEMA = "rm_contacts_report"
DIMENSIONS = "workspace_id, metric, bucket, source, channel, team_id"
USER_DIMENSIONS = "workspace_id, metric, user_id, bucket, source, channel, team_id"

# The report table: a count per (workspace, metric, 15-minute UTC bucket, source,
# channel, team), so a report reads rows bounded by its range, never by its contacts.
COUNTS = Table(
    SCHEMA,
    "counts",
    """workspace_id text NOT NULL, metric text NOT NULL, bucket timestamptz NOT NULL,
    source text, channel text, team_id text, count bigint NOT NULL""",
    constraints=(f"CONSTRAINT counts_key UNIQUE NULLS NOT DISTINCT ({DIMENSIONS})",),
)
# The same by user, for the user filter only (many users multiply nothing else).
USER_COUNTS = Table(
    SCHEMA,
    "user_counts",
    """workspace_id text NOT NULL, metric text NOT NULL, user_id text NOT NULL,
    bucket timestamptz NOT NULL, source text, channel text, team_id text,
    count bigint NOT NULL""",
    constraints=(f"CONSTRAINT user_counts_key UNIQUE NULLS NOT DISTINCT ({USER_DIMENSIONS})",),
)
ZONES = zones_table(SCHEMA)  # the zone each workspace's days are cut in
# One row per added / connected / deleted / merged event, the seed's columns.
LOGS = Table(
    SCHEMA,
    "logs",
    """workspace_id text NOT NULL, position bigint NOT NULL, log text NOT NULL,
    occurred_at timestamptz NOT NULL, contact_id text NOT NULL,
    merged_contact_id text, source text NOT NULL, channel text, user_id text,
    user_name text, team_id text""",
    key="workspace_id, position",
)
# Each contact's current name and where it was merged.
CONTACTS = Table(
    SCHEMA,
    "contacts",
    """workspace_id text NOT NULL, contact_id text NOT NULL, name text,
    merged_into text""",
    key="workspace_id, contact_id",
)
INDEXES = (
    LOGS.index("logs_newest", "workspace_id, log, occurred_at DESC, position DESC"),
    LOGS.index("logs_contact", "workspace_id, contact_id, occurred_at"),
    LOGS.index(
        "logs_merged_contact",
        "workspace_id, merged_contact_id",
        where="merged_contact_id IS NOT NULL",
    ),
    CONTACTS.index("contacts_name", "workspace_id, lower(name)"),
    CONTACTS.index(
        "contacts_merged_into", "workspace_id, merged_into", where="merged_into IS NOT NULL"
    ),
)
# The same per local day of the zone the workspace has now (projections/shared/days.py):
# day_counts, day_user_counts.
COUNTED = Rollup(COUNTS, ZONES, DIMENSIONS)
USER_COUNTED = Rollup(USER_COUNTS, ZONES, USER_DIMENSIONS)
DAY_COUNTS, DAY_USER_COUNTS = COUNTED.days, USER_COUNTED.days


def ddl(schema: str) -> list[str]:
    tables = (COUNTS, USER_COUNTS, DAY_COUNTS, DAY_USER_COUNTS, ZONES, LOGS, CONTACTS)
    return [*(t.create(schema) for t in tables), *(i.create(schema) for i in INDEXES)]
