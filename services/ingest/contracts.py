"""The `data` of each envelope type: one pydantic model per type, named after it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from domain.contact import CONNECT_SOURCES, CONTACT_SOURCES
from services.ingest.envelope import Strict

Id = Field(min_length=1, max_length=200)
Channel = Field(min_length=1, max_length=64)


class AttachmentIn(Strict):
    name: str = Field(min_length=1, max_length=500)
    content_type: str | None = Field(None, max_length=200)
    size: int | None = Field(None, ge=0)
    url: str | None = Field(None, max_length=2000)


class ContactAdded(Strict):
    contact_id: str = Id
    name: str | None = Field(None, max_length=500)
    emails: list[str] = Field(default_factory=list, max_length=50)
    phones: list[str] = Field(default_factory=list, max_length=50)
    source: Literal[CONTACT_SOURCES]  # type: ignore[valid-type]


class ContactConnected(Strict):
    contact_id: str = Id
    channel: str = Channel
    source: Literal[CONNECT_SOURCES]  # type: ignore[valid-type]


class ConversationOpened(Strict):
    conversation_id: str = Id
    channel: str = Channel
    inbox_id: str | None = Field(None, max_length=200)
    contact_id: str | None = Field(None, max_length=200)
    subject: str | None = Field(None, max_length=2000)


class ConversationMessage(Strict):
    conversation_id: str = Id
    message_id: str = Id
    body: str = Field(max_length=256_000)
    channel: str | None = Field(None, max_length=64)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=100)


class ConversationReassigned(Strict):
    conversation_id: str = Id
    to_agent_id: str | None = Field(None, max_length=200)
    to_team_id: str | None = Field(None, max_length=200)


class ConversationTag(Strict):
    conversation_id: str = Id
    tag: str = Field(min_length=1, max_length=200)


class ConversationResolved(Strict):
    conversation_id: str = Id
    automatic: bool = False


class ConversationRef(Strict):
    conversation_id: str = Id
