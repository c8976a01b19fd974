"""Answer shapes more than one read model's queries share (they make the OpenAPI
document's schemas of the same names)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ActorOut(BaseModel):
    type: str = Field(description="user, customer, system, bot, workflow or assistant")
    id: str = Field(description="The actor's id (a deleted user shows only as this)")
    name: str | None = Field(None, description="Display name at the time")


class SourceOut(BaseModel):
    type: str = Field(
        description="What the entry links to: conversation, ticket, chat, email, activity, contact"
    )
    id: str
