"""Response shapes shared by the HTTP API's routes (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator


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
