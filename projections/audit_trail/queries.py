"""A conversation's audit trail, oldest first (the route: GET
/v1/conversations/{id}/audit-trail, services/api/routes/conversations.py). Visibility is
the conversation's: the caller asks the conversations read model first. An entry of a
conversation on the email channel, or of a message or interaction on it, is email content
(shared/visibility.py): without email permission it reads as hidden."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from pydantic import BaseModel, Field

from projections.audit_trail.tables import ENTRIES
from projections.conversations.tables import CONVERSATIONS
from projections.shared import cursor as cursors
from projections.shared.answers import ActorOut
from projections.shared.paging import Paged
from projections.shared.reading import Scope, rows
from projections.shared.visibility import entry_channels, is_email

COLUMNS = ENTRIES.names(
    "position", "version", "occurred_at", "recorded_at", "type", "summary", "actor_type",
    "actor_id", "actor_name", "team_id", "details", alias="e",
) + ", coalesce(c.channel, 'email') AS conversation_channel"  # fmt: skip
# Entries (e) with their conversation's channel, from the conversations read model; one
# it does not have yet counts as on the email channel.
WITH_CHANNEL = (
    f"{ENTRIES} e LEFT JOIN {CONVERSATIONS} c ON c.workspace_id = e.workspace_id "
    "AND c.conversation_id = e.conversation_id"
)


class AuditEntry(BaseModel):
    position: int
    version: int = Field(description="The conversation's version after this event")
    occurred_at: datetime
    recorded_at: datetime
    type: str
    summary: str
    actor: ActorOut
    team_id: str | None
    details: dict[str, Any]


class AuditTrailPage(Paged):
    conversation_id: str
    entries: list[AuditEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (newer) page")


def readable(scope: Scope, r: dict, entry: AuditEntry) -> AuditEntry:
    """The entry (of row `r`) as the caller may read it."""
    channels = entry_channels(entry.type, entry.details)
    email = is_email(None, r["conversation_channel"], *channels)
    summary, details = scope.redact(email, entry.summary, entry.details)
    return entry.model_copy(update={"summary": summary, "details": details})


def audit_entry(r: dict) -> AuditEntry:
    """The entry as stored (readable() makes it the caller's)."""
    return AuditEntry(
        position=r["position"],
        version=r["version"],
        occurred_at=r["occurred_at"],
        recorded_at=r["recorded_at"],
        type=r["type"],
        summary=r["summary"],
        team_id=r["team_id"],
        details=r["details"],
        actor=ActorOut(type=r["actor_type"], id=r["actor_id"], name=r["actor_name"]),
    )


class AuditTrailQueries:
    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    async def page(self, conversation_id: str, limit: int, cursor: str | None) -> AuditTrailPage:
        after = cursors.decode(cursor, (int,))[0] if cursor else 0
        found = await self.entries(conversation_id, after, limit + 1)
        page, more = found[:limit], len(found) > limit
        return AuditTrailPage(
            conversation_id=conversation_id,
            entries=page,
            next_cursor=cursors.encode(page[-1].position) if more else None,
        )

    async def entries(self, conversation_id: str, after: int, limit: int) -> list[AuditEntry]:
        """Up to `limit` entries after position `after`, oldest first (a page; a live
        stream). Visibility is the conversation's (ConversationQueries.summary)."""
        where, params = self.scope.where("e", team_column=None)
        found = await rows(
            self.conn,
            f"SELECT {COLUMNS} FROM {WITH_CHANNEL} WHERE {where} AND "
            "e.conversation_id = %s AND e.position > %s ORDER BY e.position LIMIT %s",
            (*params, conversation_id, after, limit),
        )
        return [readable(self.scope, r, audit_entry(r)) for r in found]
