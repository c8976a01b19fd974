"""Conversation events that change where a conversation stands."""

from __future__ import annotations

from eventsourcing.domain import AggregateCreated, AggregateEvent

from domain.shared import EventMeta


class ConversationEvent(AggregateEvent):
    meta: EventMeta
    conversation_id: str


class Opened(ConversationEvent, AggregateCreated):
    TOPIC = "conversation.opened.v1"
    PERSONAL = ("subject",)
    channel: str
    inbox_id: str | None
    contact_id: str | None
    subject: str | None

    def apply(self, c) -> None:
        c.start(self)


class Resolved(ConversationEvent):
    TOPIC = "conversation.resolved.v1"
    automatic: bool  # auto-resolved by the assistant

    def apply(self, c) -> None:
        c.status, c.reopened = "resolved", False


class Reopened(ConversationEvent):
    TOPIC = "conversation.reopened.v1"

    def apply(self, c) -> None:
        c.status, c.reopened = "open", True


class PutOnHold(ConversationEvent):
    TOPIC = "conversation.put_on_hold.v1"

    def apply(self, c) -> None:
        c.status = "on_hold"


class Archived(ConversationEvent):
    TOPIC = "conversation.archived.v1"

    def apply(self, c) -> None:
        c.archived, c.ever_archived = True, True


class Unarchived(ConversationEvent):
    TOPIC = "conversation.unarchived.v1"

    def apply(self, c) -> None:
        c.archived = False


class MarkedSpam(ConversationEvent):
    TOPIC = "conversation.marked_spam.v1"

    def apply(self, c) -> None:
        c.spam, c.ever_spam = True, True


class UnmarkedSpam(ConversationEvent):
    TOPIC = "conversation.unmarked_spam.v1"

    def apply(self, c) -> None:
        c.spam = False


class CustomerMarkedSpam(ConversationEvent):
    """The customer marked one of our messages as spam."""

    TOPIC = "conversation.customer_marked_spam.v1"
    message_id: str

    def apply(self, c) -> None:
        c.spam_reports.add(self.message_id)


class ChatEnded(ConversationEvent):
    TOPIC = "conversation.chat_ended.v1"

    def apply(self, c) -> None:
        c.chat_ended = True


class MergedInto(ConversationEvent):
    """This conversation was merged into another; it takes no more changes."""

    TOPIC = "conversation.merged_into.v1"
    into_conversation_id: str

    def apply(self, c) -> None:
        c.merged_into = self.into_conversation_id


class MergedFrom(ConversationEvent):
    """Another conversation was merged into this one, bringing its messages."""

    TOPIC = "conversation.merged_from.v1"
    from_conversation_id: str
    message_ids: tuple[str, ...]

    def apply(self, c) -> None:
        c.message_ids.update(self.message_ids)
        c.merged_from.add(self.from_conversation_id)
