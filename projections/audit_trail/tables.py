"""The audit trail's table (schema `rm_audit_trail`)."""

from __future__ import annotations

from projections.shared.describe import COMMON_DDL
from projections.shared.tables import Table

SCHEMA = "rm_audit_trail"

# Every event of a conversation: its version, and what it reads as (describe.py).
ENTRIES = Table(
    SCHEMA,
    "entries",
    f"""workspace_id text NOT NULL, conversation_id text NOT NULL, position bigint NOT NULL,
    version bigint NOT NULL, {COMMON_DDL}""",
    key="workspace_id, conversation_id, position",
)
# what a transaction wrote, for live subscribers (live.py)
ENTRIES_POSITION = ENTRIES.index("entries_position", "position")


def ddl(schema: str) -> list[str]:
    return [ENTRIES.create(schema), ENTRIES_POSITION.create(schema)]
