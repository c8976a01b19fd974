"""Data contracts of `conversation.*` envelopes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from services.ingest.contracts.fields import Body, Channel, Id, OptionalId, Text
from services.ingest.envelope import Count, Flag, Moment, Strict

MessageSource = Literal[
    "incoming_message",
    "echo_message",
    "user",
    "api",
    "zapier",
    "make",
    "broadcast",
    "workflow",
    "bot",
]


class Ref(Strict):
    conversation_id: str = Id


class Opened(Ref):
    channel: str = Channel
    inbox_id: str | None = OptionalId
    contact_id: str | None = OptionalId
    subject: str | None = Field(None, max_length=2000)


class AttachmentIn(Strict):
    name: str = Field(min_length=1, max_length=500)
    content_type: str | None = Field(None, max_length=200)
    size: Count | None = Field(None, ge=0)
    url: str | None = Field(None, max_length=2000)


class MessageIn(Ref):
    message_id: str = Id
    body: str = Body
    channel: str | None = Field(None, min_length=1, max_length=64)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=100)
    source: MessageSource | None = None


class Reassigned(Ref):
    to_agent_id: str | None = OptionalId
    to_team_id: str | None = OptionalId


class Moved(Ref):
    to_inbox_id: str = Id


class Tag(Ref):
    tag: str = Field(min_length=1, max_length=200)


class Resolved(Ref):
    automatic: Flag = Field(False, description="Auto-resolved by the assistant")


class MessageRef(Ref):
    message_id: str = Id


class NotePinned(Ref):
    note_id: str = Id
    text: str | None = Text


class NoteUnpinned(Ref):
    note_id: str = Id


class Merged(Ref):
    into_conversation_id: str = Id


class WorkflowRan(Ref):
    workflow_id: str = Id
    workflow_name: str | None = Field(None, max_length=500)
    trigger: Literal["manual", "automated"]


class AttachmentDeleted(MessageRef):
    attachment_name: str = Field(min_length=1, max_length=500)


class DeliveryFailed(MessageRef):
    reason: str = Field(min_length=1, max_length=2000)


class BounceDetected(Ref):
    message_id: str | None = OptionalId
    recipient: str | None = Field(None, max_length=500)
    reason: str = Field(min_length=1, max_length=2000)


class ChatbotHandedOver(Ref):
    bot_id: str = Id
    to_agent_id: str | None = OptionalId
    to_team_id: str | None = OptionalId


class ChatbotResolved(Ref):
    bot_id: str = Id


class SubjectEdited(Ref):
    subject: str = Field(min_length=1, max_length=2000, description="The new subject")


class ReminderAdded(Ref):
    reminder_id: str = Id
    due_at: Moment | None = None
    note: str | None = Text


class ReminderTriggered(Ref):
    reminder_id: str = Id


class CsatSurveySent(Ref):
    survey_id: str = Id
    channel: str | None = Field(None, max_length=64)


class ViewerIn(Strict):
    type: Literal["customer", "teammate"]
    id: str = Id
    name: str | None = Field(None, max_length=500)


class MessageViewed(MessageRef):
    viewer: ViewerIn
    viewed_at: Moment = Field(description="The exact time it was viewed")


class InteractionClosed(Ref):
    queue: str | None = Field(None, max_length=200)
    channel: str | None = Field(None, max_length=64)
    message_count: Count | None = Field(None, ge=0)
    first_message: str | None = Field(None, max_length=10_000)
