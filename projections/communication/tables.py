"""Communication analytics' tables (schema `rm_communication`)."""

from __future__ import annotations

from projections.shared.days import Rollup, zones_table
from projections.shared.tables import Table

SCHEMA = "rm_communication"
VOLUME_KEY = "workspace_id, subject_type, subject_id, team_id, bucket, channel, kind, direction"
RESPONSES_KEY = "workspace_id, subject_type, subject_id, team_id, bucket, channel, kind, bin"

# Conversations opened, messages and communication activities, per subject (a contact,
# a team), owning team, 15-minute bucket, channel, kind and direction.
VOLUME = Table(
    SCHEMA,
    "volume",
    """workspace_id text NOT NULL, subject_type text NOT NULL, subject_id text NOT NULL,
    team_id text, bucket timestamptz NOT NULL, channel text NOT NULL,
    kind text NOT NULL, direction text, count bigint NOT NULL""",
    constraints=(f"CONSTRAINT volume_key UNIQUE NULLS NOT DISTINCT ({VOLUME_KEY})",),
)
# First-response and reply times: counts, sums in milliseconds and bins.
RESPONSES = Table(
    SCHEMA,
    "responses",
    """workspace_id text NOT NULL, subject_type text NOT NULL, subject_id text NOT NULL,
    team_id text, bucket timestamptz NOT NULL, channel text NOT NULL,
    kind text NOT NULL, bin smallint NOT NULL, count bigint NOT NULL,
    total_ms bigint NOT NULL""",
    constraints=(f"CONSTRAINT responses_key UNIQUE NULLS NOT DISTINCT ({RESPONSES_KEY})",),
)
ZONES = zones_table(SCHEMA)  # the zone each workspace's days are cut in
# What the projector keeps between batches: each conversation's contact, owning team and
# response clock; each communication activity (a deletion takes it off again).
CONVERSATIONS = Table(
    SCHEMA,
    "conversations",
    """workspace_id text NOT NULL, conversation_id text NOT NULL, contact_id text,
    team_id text, first_inbound_at timestamptz, first_response_at timestamptz,
    awaiting_since timestamptz""",
    key="workspace_id, conversation_id",
)
ACTIVITIES = Table(
    SCHEMA,
    "activities",
    """workspace_id text NOT NULL, activity_id text NOT NULL, contact_id text,
    team_id text, bucket timestamptz NOT NULL, channel text NOT NULL,
    direction text, deleted boolean NOT NULL""",
    key="workspace_id, activity_id",
)
# Contacts' status and merges (a contact's report includes the contacts merged into it).
CONTACTS = Table(
    SCHEMA,
    "contacts",
    """workspace_id text NOT NULL, contact_id text NOT NULL, status text NOT NULL,
    merged_into text""",
    key="workspace_id, contact_id",
)
# The teams that own anything (a team's report exists once it does).
TEAMS = Table(
    SCHEMA,
    "teams",
    "workspace_id text NOT NULL, team_id text NOT NULL",
    key="workspace_id, team_id",
)
CONTACTS_MERGED_INTO = CONTACTS.index(
    "contacts_merged_into", "workspace_id, merged_into", where="merged_into IS NOT NULL"
)
# The same per local day of the zone the workspace has now (projections/shared/days.py):
# day_volume, day_responses.
VOLUME_DAYS = Rollup(VOLUME, ZONES, VOLUME_KEY)
RESPONSE_DAYS = Rollup(RESPONSES, ZONES, RESPONSES_KEY, ("count", "total_ms"))
DAY_VOLUME, DAY_RESPONSES = VOLUME_DAYS.days, RESPONSE_DAYS.days


def ddl(schema: str) -> list[str]:
    tables = (VOLUME, RESPONSES, DAY_VOLUME, DAY_RESPONSES, ZONES, CONVERSATIONS, ACTIVITIES,
              CONTACTS)  # fmt: skip
    return [
        *(t.create(schema) for t in tables),
        CONTACTS_MERGED_INTO.create(schema),
        TEAMS.create(schema),
    ]
