"""Conversation events about messages: sent, received, viewed, failed, closed."""

from __future__ import annotations

from datetime import datetime

from domain.conversation.lifecycle import ConversationEvent
from domain.conversation.values import Message, Viewer

MESSAGE = ("message.body", "message.attachments.name", "message.attachments.url")


class MessageReceived(ConversationEvent):
    TOPIC = "conversation.message_received.v1"
    PERSONAL = MESSAGE
    message: Message

    def apply(self, c) -> None:
        c.add_message(self.message, "received")


class MessageSent(ConversationEvent):
    TOPIC = "conversation.message_sent.v1"
    PERSONAL = MESSAGE
    message: Message

    def apply(self, c) -> None:
        c.add_message(self.message, "sent")


class RepliedAndArchived(ConversationEvent):
    TOPIC = "conversation.replied_and_archived.v1"
    PERSONAL = MESSAGE
    message: Message

    def apply(self, c) -> None:
        c.add_message(self.message, "sent")
        c.archived, c.ever_archived = True, True


class RepliedAndReopened(ConversationEvent):
    TOPIC = "conversation.replied_and_reopened.v1"
    PERSONAL = MESSAGE
    message: Message

    def apply(self, c) -> None:
        c.add_message(self.message, "sent")
        c.status, c.reopened = "open", True


class AttachmentDeleted(ConversationEvent):
    TOPIC = "conversation.attachment_deleted.v1"
    PERSONAL = ("attachment_name",)
    message_id: str
    attachment_name: str


class DeliveryFailed(ConversationEvent):
    TOPIC = "conversation.delivery_failed.v1"
    PERSONAL = ("reason",)
    message_id: str
    reason: str


class BounceDetected(ConversationEvent):
    TOPIC = "conversation.bounce_detected.v1"
    PERSONAL = ("recipient", "reason")
    message_id: str | None
    recipient: str | None
    reason: str


class MessageViewed(ConversationEvent):
    """The exact time a message was first viewed by one viewer."""

    TOPIC = "conversation.message_viewed.v1"
    PERSONAL = ("viewer.name",)
    message_id: str
    viewer: Viewer
    viewed_at: datetime

    def apply(self, c) -> None:
        c.views.add((self.message_id, self.viewer.type, self.viewer.id))


class InteractionClosed(ConversationEvent):
    TOPIC = "conversation.interaction_closed.v1"
    PERSONAL = ("first_message",)
    queue: str | None
    channel: str
    message_count: int
    first_message: str | None
