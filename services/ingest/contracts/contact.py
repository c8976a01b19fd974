"""Data contracts of `contact.*`, `lead.*` and `activity.*` envelopes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from domain.activity import ACTIVITY_SOURCES, ACTIVITY_TYPES
from domain.contact import CONNECT_SOURCES, CONTACT_SOURCES
from services.ingest.contracts.fields import Channel, Id, OptionalId, Text
from services.ingest.envelope import Strict

Name = Field(None, max_length=500)


class HandleIn(Strict):
    channel: str = Channel
    handle: str = Field(min_length=1, max_length=500)


class ContactRef(Strict):
    contact_id: str = Id


class ContactAdded(ContactRef):
    name: str | None = Name
    emails: list[str] = Field(default_factory=list, max_length=50)
    phones: list[str] = Field(default_factory=list, max_length=50)
    handles: list[HandleIn] = Field(default_factory=list, max_length=50)
    source: Literal[CONTACT_SOURCES]  # type: ignore[valid-type]


class ContactUpdated(ContactRef):
    field: str = Field(pattern=r"^[a-z][a-z0-9_.]{0,63}$", description="name, emails, ...")
    new: str | list[str] | None = Field(description="The new value (old comes from history)")


class ContactConnected(ContactRef):
    channel: str = Channel
    source: Literal[CONNECT_SOURCES]  # type: ignore[valid-type]


class ContactMerged(ContactRef):
    """`contact_id` is the primary that remains."""

    merged_contact_ids: list[str] = Field(min_length=1, max_length=50)


class LeadConverted(Strict):
    lead_id: str = Id
    lead_name: str | None = Name
    contact_id: str = Id


class ActivityRef(Strict):
    activity_id: str = Id


class ActivityLogged(ActivityRef):
    type: Literal[ACTIVITY_TYPES]  # type: ignore[valid-type]
    summary: str | None = Text
    direction: Literal["inbound", "outbound"] | None = None
    source: Literal[ACTIVITY_SOURCES] = "manual"  # type: ignore[valid-type]
    contact_id: str | None = OptionalId
    contact_name: str | None = Name
    lead_id: str | None = OptionalId
    lead_name: str | None = Name
    account_id: str | None = OptionalId
    account_name: str | None = Name
    agent_id: str | None = OptionalId
    agent_name: str | None = Name
    model_type: str | None = Field(None, max_length=64, description="chat, ticket, email, ...")
    model_id: str | None = OptionalId
    first_message: str | None = Text


class TicketCreated(Strict):
    ticket_id: str = Id
    contact_id: str = Id
    contact_name: str | None = Name
    account_id: str | None = OptionalId
    account_name: str | None = Name
    subject: str | None = Text


class WidgetChatStarted(Strict):
    """A visitor started a chat on the website widget; an unknown visitor becomes a contact."""

    chat_id: str = Id
    contact_id: str = Id
    visitor_name: str | None = Name
    visitor_email: str | None = Field(None, max_length=500)
    first_message: str | None = Text
    page_url: str | None = Field(None, max_length=2000)
