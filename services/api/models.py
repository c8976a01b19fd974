"""Response shapes of the HTTP API (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ActorOut(BaseModel):
    type: str = Field(description="user, customer, system, bot, workflow or assistant")
    id: str
    name: str | None = None


class SourceOut(BaseModel):
    type: str = Field(description="What the entry comes from: contact, conversation, ...")
    id: str


class TimelineEntry(BaseModel):
    position: int = Field(description="The event's place in the store's log")
    occurred_at: datetime = Field(description="When it happened (producer clock)")
    recorded_at: datetime = Field(description="When Chronicle stored it")
    type: str
    summary: str
    actor: ActorOut
    team_id: str | None
    source: SourceOut
    details: dict[str, Any]


class TimelinePage(BaseModel):
    contact_id: str
    entries: list[TimelineEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page")


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
    next_cursor: str | None


class ProjectionHealth(BaseModel):
    position: int
    lag_events: int


class Health(BaseModel):
    status: str
    store_position: int
    projections: dict[str, ProjectionHealth]
