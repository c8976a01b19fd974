"""The Conversation aggregate: one thread with a contact, and everything done to it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import AggregateCreated, AggregateEvent, BaseAggregate

from domain.shared import EventMeta, RuleViolation, aggregate_id


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str | None = None
    size: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class Message:
    """One message of a conversation, as received or sent."""

    message_id: str
    channel: str
    body: str
    attachments: tuple[Attachment, ...] = ()


class Conversation(BaseAggregate[UUID]):
    TOPIC = "chronicle.aggregate.conversation"

    class Event(AggregateEvent):
        meta: EventMeta
        conversation_id: str

    class Opened(Event, AggregateCreated):
        TOPIC = "conversation.opened.v1"
        channel: str
        inbox_id: str | None
        contact_id: str | None
        subject: str | None

        def apply(self, conv: Conversation) -> None:
            conv.workspace_id = self.meta.workspace_id
            conv.conversation_id = self.conversation_id
            conv.channel = self.channel
            conv.inbox_id = self.inbox_id
            conv.contact_id = self.contact_id
            conv.subject = self.subject
            conv.status = "open"
            conv.assignee_id = None
            conv.team_id = self.meta.team_id
            conv.tags = set()
            conv.message_ids = set()

    class MessageReceived(Event):
        TOPIC = "conversation.message_received.v1"
        message: Message

        def apply(self, conv: Conversation) -> None:
            conv.message_ids.add(self.message.message_id)

    class MessageSent(Event):
        TOPIC = "conversation.message_sent.v1"
        message: Message

        def apply(self, conv: Conversation) -> None:
            conv.message_ids.add(self.message.message_id)

    class Reassigned(Event):
        TOPIC = "conversation.reassigned.v1"
        from_agent_id: str | None
        to_agent_id: str | None
        from_team_id: str | None
        to_team_id: str | None

        def apply(self, conv: Conversation) -> None:
            conv.assignee_id = self.to_agent_id
            conv.team_id = self.to_team_id

    class TagAdded(Event):
        TOPIC = "conversation.tag_added.v1"
        tag: str

        def apply(self, conv: Conversation) -> None:
            conv.tags.add(self.tag)

    class TagRemoved(Event):
        TOPIC = "conversation.tag_removed.v1"
        tag: str

        def apply(self, conv: Conversation) -> None:
            conv.tags.discard(self.tag)

    class Resolved(Event):
        TOPIC = "conversation.resolved.v1"
        automatic: bool

        def apply(self, conv: Conversation) -> None:
            conv.status = "resolved"

    class Reopened(Event):
        TOPIC = "conversation.reopened.v1"

        def apply(self, conv: Conversation) -> None:
            conv.status = "open"

    def _record(self, event_class: type[Event], meta: EventMeta, **fields: object) -> None:
        self.trigger_event(event_class, meta=meta, conversation_id=self.conversation_id, **fields)

    @staticmethod
    def id_for(workspace_id: str, conversation_id: str) -> UUID:
        return aggregate_id("conversation", workspace_id, conversation_id)

    @classmethod
    def open(
        cls,
        meta: EventMeta,
        conversation_id: str,
        *,
        channel: str,
        inbox_id: str | None = None,
        contact_id: str | None = None,
        subject: str | None = None,
    ) -> Conversation:
        return cls._create(
            cls.Opened,
            id=cls.id_for(meta.workspace_id, conversation_id),
            meta=meta,
            conversation_id=conversation_id,
            channel=channel,
            inbox_id=inbox_id,
            contact_id=contact_id,
            subject=subject,
        )

    def receive_message(self, meta: EventMeta, message_id: str, body: str, **kw) -> None:
        self._message(self.MessageReceived, meta, message_id, body, **kw)

    def send_message(self, meta: EventMeta, message_id: str, body: str, **kw) -> None:
        self._message(self.MessageSent, meta, message_id, body, **kw)

    def _message(
        self,
        event_class: type[Conversation.MessageReceived | Conversation.MessageSent],
        meta: EventMeta,
        message_id: str,
        body: str,
        *,
        channel: str | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> None:
        if message_id in self.message_ids:
            return
        message = Message(message_id, channel or self.channel, body, tuple(attachments))
        self._record(event_class, meta, message=message)

    def reassign(self, meta: EventMeta, to_agent_id: str | None, to_team_id: str | None) -> None:
        if (to_agent_id, to_team_id) == (self.assignee_id, self.team_id):
            return
        self._record(
            self.Reassigned,
            meta,
            from_agent_id=self.assignee_id,
            to_agent_id=to_agent_id,
            from_team_id=self.team_id,
            to_team_id=to_team_id,
        )

    def add_tag(self, meta: EventMeta, tag: str) -> None:
        if tag not in self.tags:
            self._record(self.TagAdded, meta, tag=tag)

    def remove_tag(self, meta: EventMeta, tag: str) -> None:
        if tag in self.tags:
            self._record(self.TagRemoved, meta, tag=tag)

    def resolve(self, meta: EventMeta, *, automatic: bool = False) -> None:
        if self.status != "resolved":
            self._record(self.Resolved, meta, automatic=automatic)

    def reopen(self, meta: EventMeta) -> None:
        if self.status != "resolved":
            raise RuleViolation(
                "conversation.reopen_requires_resolved",
                f"conversation {self.conversation_id!r} is {self.status}, not resolved",
            )
        self._record(self.Reopened, meta)
