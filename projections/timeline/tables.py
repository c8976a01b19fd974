"""The timeline's tables (schema `rm_timeline`)."""

from __future__ import annotations

from projections.shared.describe import COMMON_DDL
from projections.shared.tables import Table

SCHEMA = "rm_timeline"

# One entry per event and record whose timeline shows it. `channel`: of a conversation's
# entries, the conversation's channel (the email rule reads it: shared/visibility.py).
ENTRIES = Table(
    SCHEMA,
    "entries",
    f"""workspace_id text NOT NULL,
    subject_type text NOT NULL,
    subject_id text NOT NULL,
    position bigint NOT NULL,
    category text NOT NULL,
    source_type text NOT NULL,
    source_id text NOT NULL,
    link_type text,
    link_id text,
    deleted boolean NOT NULL DEFAULT false,
    deleted_at timestamptz,
    search_text text NOT NULL,
    channel text,
    {COMMON_DDL}""",
    key="workspace_id, subject_type, subject_id, position",
)
# Each conversation's contact, owning team (as of the last event applied) and channel.
CONVERSATIONS = Table(
    SCHEMA,
    "conversations",
    """workspace_id text NOT NULL, conversation_id text NOT NULL, contact_id text,
    team_id text, channel text""",
    key="workspace_id, conversation_id",
)
# Contacts merged into another: the primary's timeline includes theirs.
CONTACT_MERGES = Table(
    SCHEMA,
    "contact_merges",
    """workspace_id text NOT NULL, merged_contact_id text NOT NULL,
    primary_contact_id text NOT NULL, merged_at timestamptz NOT NULL""",
    key="workspace_id, merged_contact_id",
)
# Each entry of a contact merged into another, once for every contact whose timeline shows
# it (the one it was merged into and, however indirectly, those that one was merged into):
# a contact's page reads its own entries and these, two index range reads however many
# contacts were merged into it. `since`: when the entry joined that timeline (the latest
# merge on the way there), for `as_of`.
MERGED_ENTRIES = Table(
    SCHEMA,
    "merged_entries",
    """workspace_id text NOT NULL, primary_id text NOT NULL, occurred_at timestamptz NOT NULL,
    position bigint NOT NULL, subject_id text NOT NULL, since timestamptz NOT NULL""",
    key="workspace_id, primary_id, occurred_at, position, subject_id",
)
# Activities, emails and closed interactions per record ("6 Activities") and team of the
# entries counted ('' for none): a caller limited to teams adds up the rows it may see, one
# index range per record however long its history. A contact's count includes the contacts
# merged into it (the entries of MERGED_ENTRIES it counts).
BADGES = Table(
    SCHEMA,
    "badges",
    """workspace_id text NOT NULL, subject_type text NOT NULL, subject_id text NOT NULL,
    team_id text NOT NULL, count bigint NOT NULL""",
    key="workspace_id, subject_type, subject_id, team_id",
)
INDEXES = (
    ENTRIES.index(
        "entries_newest", "workspace_id, subject_type, subject_id, occurred_at DESC, position DESC"
    ),
    ENTRIES.index("entries_source", "workspace_id, source_type, source_id"),
    # what a transaction wrote, for live subscribers (live.py)
    ENTRIES.index("entries_position", "position"),
    CONTACT_MERGES.index("contact_merges_primary", "workspace_id, primary_contact_id"),
)


def ddl(schema: str) -> list[str]:
    """The tables, then their indexes, in `schema`."""
    return [
        *(
            t.create(schema)
            for t in (ENTRIES, CONVERSATIONS, CONTACT_MERGES, MERGED_ENTRIES, BADGES)
        ),
        *(i.create(schema) for i in INDEXES),
    ]
