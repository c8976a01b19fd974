"""Response shapes shared by the HTTP API's routes (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator


class ActorOut(BaseModel):
    type: str = Field(description="user, customer, system, bot, workflow or assistant")
    id: str = Field(description="The actor's id (a deleted user shows only as this)")
    name: str | None = Field(None, description="Display name at the time")


class SourceOut(BaseModel):
    type: str = Field(
        description="What the entry links to: conversation, ticket, chat, email, activity, contact"
    )
    id: str


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


class TimelinePage(BaseModel):
    subject_type: str = Field(description="contact, lead or account")
    subject_id: str
    entries: list[TimelineEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page")


class BadgeRequest(BaseModel):
    contacts: list[str] = Field(default_factory=list, max_length=500)
    leads: list[str] = Field(default_factory=list, max_length=500)
    accounts: list[str] = Field(default_factory=list, max_length=500)

    @field_validator("contacts", "leads", "accounts")
    @classmethod
    def no_nul(cls, ids: list[str]) -> list[str]:
        if any("\x00" in i for i in ids):
            raise ValueError("ids must not contain NUL characters")
        return ids


class Badges(BaseModel):
    contacts: dict[str, int] = Field(description="Activities, emails and closed interactions")
    leads: dict[str, int]
    accounts: dict[str, int]


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


class AuditTrailPage(BaseModel):
    conversation_id: str
    entries: list[AuditEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (newer) page")


class ConsumerHealth(BaseModel):
    position: int = Field(description="The last event applied (or relayed)")
    lag_events: int = Field(description="Events stored after it")
    last_progress_at: datetime | None = Field(description="When its position last moved")
    stuck: bool = Field(description="Behind, and no progress for `CHRONICLE_STUCK_AFTER` s")
    ahead_of_store: bool = Field(
        False, description="Its position is beyond the store's head: an error, never lag 0"
    )


class LiveHealth(BaseModel):
    subscribers: int = Field(description="Live streams this API process is serving")
    listening: bool = Field(description="Whether it receives the projections' announcements")
    announcements: int = Field(description="Projection commits announced to it so far")
    cycles: int = Field(description="Times it looked for the streams those commits touched")
    reads: int = Field(description="Queries its subscribers' reads took (shared when alike)")
    reading: int = Field(description="Subscribers waiting for a read right now")


class Health(BaseModel):
    status: str = Field(
        description="ok; degraded when anything is stuck; error (HTTP 503) when a consumer is "
        "beyond the store's head"
    )
    store_position: int = Field(description="The event store's last position")
    relay: ConsumerHealth
    projections: dict[str, ConsumerHealth]
    live: LiveHealth | None = Field(None, description="Live streams of this API process")
