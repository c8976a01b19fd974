"""Communication analytics' tables (schema `rm_communication`)."""

from __future__ import annotations

from projections.shared.days import AlsoUnder, Rollup, zones_table
from projections.shared.tables import Table

SCHEMA = "rm_communication"
# The time comes right after the subject, so a report's range is one range of the key's
# index: what it reads is bounded by the range, not by the subject's whole history.
VOLUME_KEY = "workspace_id, subject_type, subject_id, bucket, team_id, channel, kind, direction"
RESPONSES_KEY = "workspace_id, subject_type, subject_id, bucket, team_id, channel, kind, bin"

# Conversations opened, messages and communication activities, per subject (a contact,
# a team), 15-minute bucket, owning team, channel, kind and direction.
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
# Contacts' status and the contact each was merged into (shown in a report's subject).
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
# Every contact merged into another, however indirectly: a row per pair (a merged into b,
# then b into c: (b, a), (c, a), (c, b)). A merged contact's counts are counted under each
# contact it is merged into as well (merges.py), so a report reads one contact's rows.
MERGES = Table(
    SCHEMA,
    "merges",
    "workspace_id text NOT NULL, contact_id text NOT NULL, merged_contact_id text NOT NULL",
    key="workspace_id, contact_id, merged_contact_id",
)
MERGES_UP = MERGES.index("merges_up", "workspace_id, merged_contact_id, contact_id")
# A contact's rows are counted under every contact it is merged into as well (merges.py).
ABOVE = AlsoUnder(
    lambda schema: (
        f"JOIN {MERGES.at(schema)} g ON v.subject_type = 'contact' AND "
        "g.workspace_id = v.workspace_id AND g.merged_contact_id = v.subject_id"
    ),
    {"subject_id": "g.contact_id"},
)
# The same per local day of the zone the workspace has now (projections/shared/days.py):
# day_volume, day_responses.
VOLUME_DAYS = Rollup(VOLUME, ZONES, VOLUME_KEY, also=ABOVE)
RESPONSE_DAYS = Rollup(RESPONSES, ZONES, RESPONSES_KEY, ("count", "total_ms"), also=ABOVE)
DAY_VOLUME, DAY_RESPONSES = VOLUME_DAYS.days, RESPONSE_DAYS.days


def ddl(schema: str) -> list[str]:
    tables = (VOLUME, RESPONSES, DAY_VOLUME, DAY_RESPONSES, ZONES, CONVERSATIONS, ACTIVITIES,
              CONTACTS)  # fmt: skip
    return [
        *(t.create(schema) for t in tables),
        MERGES.create(schema),
        MERGES_UP.create(schema),
        TEAMS.create(schema),
    ]
