"""What the timeline's queries answer (the API's response shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from projections.shared.answers import ActorOut, SourceOut
from projections.shared.paging import Paged


class TimelineEntry(BaseModel):
    position: int = Field(description="The event's place in the store's log")
    occurred_at: datetime = Field(description="When it happened (producer clock)")
    recorded_at: datetime = Field(description="When Chronicle stored it")
    type: str = Field(description="Event type, e.g. conversation.message_received")
    category: str = Field(
        description="Activity type (call, email, note, ...), interaction, conversation or contact"
    )
    summary: str
    actor: ActorOut
    team_id: str | None = Field(description="The team that owns the entry")
    source: SourceOut
    details: dict[str, Any] = Field(description="The event's own data")


class TimelinePage(Paged):
    subject_type: str = Field(description="contact, lead or account")
    subject_id: str
    entries: list[TimelineEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page")
