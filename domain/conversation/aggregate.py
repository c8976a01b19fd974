"""The Conversation aggregate: one thread with a contact, and everything done to it.

Commands are methods; each checks its rule, then records an event (or nothing, when it
would repeat what is already so). See docs/events.md for which are facts and which are
commands.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import BaseAggregate

from domain import personal
from domain.conversation import lifecycle as lc
from domain.conversation import messages as msg
from domain.conversation import work
from domain.conversation.message_commands import MessageCommands
from domain.conversation.ownership import Owner, owner_after
from domain.conversation.values import Message
from domain.conversation.work_commands import WorkCommands
from domain.shared import EventMeta, aggregate_id
from domain.shared import rule as _rule


class Conversation(MessageCommands, WorkCommands, BaseAggregate[UUID]):
    TOPIC = "chronicle.aggregate.conversation"
    Event = lc.ConversationEvent
    Opened, Resolved, Reopened, PutOnHold = lc.Opened, lc.Resolved, lc.Reopened, lc.PutOnHold
    Archived, Unarchived, ChatEnded = lc.Archived, lc.Unarchived, lc.ChatEnded
    MarkedSpam, UnmarkedSpam, CustomerMarkedSpam = (
        lc.MarkedSpam,
        lc.UnmarkedSpam,
        lc.CustomerMarkedSpam,
    )
    MergedInto, MergedFrom = lc.MergedInto, lc.MergedFrom
    MessageReceived, MessageSent = msg.MessageReceived, msg.MessageSent
    RepliedAndArchived, RepliedAndReopened = msg.RepliedAndArchived, msg.RepliedAndReopened
    AttachmentDeleted, DeliveryFailed, BounceDetected = (
        msg.AttachmentDeleted,
        msg.DeliveryFailed,
        msg.BounceDetected,
    )
    MessageViewed, InteractionClosed = msg.MessageViewed, msg.InteractionClosed
    Reassigned, Moved, TagAdded, TagRemoved = (
        work.Reassigned,
        work.Moved,
        work.TagAdded,
        work.TagRemoved,
    )
    NotePinned, NoteUnpinned, WorkflowRan = work.NotePinned, work.NoteUnpinned, work.WorkflowRan
    ChatbotHandedOver, ChatbotResolved = work.ChatbotHandedOver, work.ChatbotResolved
    SubjectEdited, CsatSurveySent = work.SubjectEdited, work.CsatSurveySent
    ReminderAdded, ReminderTriggered = work.ReminderAdded, work.ReminderTriggered

    # -- state -------------------------------------------------------------------------
    def start(self, opened: lc.Opened) -> None:
        self.workspace_id = opened.meta.workspace_id
        self.conversation_id = opened.conversation_id
        self.channel, self.inbox_id = opened.channel, opened.inbox_id
        self.contact_id, self.subject = opened.contact_id, opened.subject
        self.status, self.reopened = "open", False
        self.archived = self.ever_archived = self.spam = self.ever_spam = False
        self.chat_ended = False
        self.assignee_id = self.team_id = None
        self.take_owner(opened)
        self.merged_into: str | None = None
        self.merged_from: set[str] = set()
        self.tags: set[str] = set()
        self.message_ids: set[str] = set()
        self.message_kinds: dict[str, str] = {}  # received | sent (replies are sent)
        self.message_count = 0
        self.first_message: str | None = None
        self.pinned_notes: set[str] = set()
        self.ever_pinned: set[str] = set()
        self.reminders: dict[str, bool] = {}
        self.views: set[tuple[str, str, str]] = set()
        self.spam_reports: set[str] = set()
        self.surveys: set[str] = set()

    def take_owner(self, event: lc.ConversationEvent) -> None:
        """Its team and agent after `event` (domain/conversation/ownership.py)."""
        owner = owner_after(event, Owner(self.team_id, self.assignee_id))
        self.team_id, self.assignee_id = owner.team_id, owner.agent_id

    def add_message(self, message: Message, kind: str) -> None:
        self.message_ids.add(message.message_id)
        self.message_kinds[message.message_id] = kind
        self.message_count += 1
        if self.first_message is None:
            self.first_message = message.body

    @staticmethod
    def id_for(workspace_id: str, conversation_id: str) -> UUID:
        return aggregate_id("conversation", workspace_id, conversation_id)

    @staticmethod
    def data_subject(conversation_id: str, contact_id: str | None) -> str:
        """Whose personal data the conversation's events hold: its contact's, or, with no
        contact, the conversation's own (erasable on its own)."""
        return personal.contact(contact_id) or personal.conversation(conversation_id)

    def _record(self, event_class: type, meta: EventMeta, **fields: object) -> None:
        _rule(
            self.merged_into is None,
            "conversation.merged_away",
            f"conversation {self.conversation_id!r} was merged into {self.merged_into!r}",
        )
        meta = meta.about(self.data_subject(self.conversation_id, self.contact_id))
        self.trigger_event(event_class, meta=meta, conversation_id=self.conversation_id, **fields)

    def _known_message(self, message_id: str) -> None:
        _rule(
            message_id in self.message_ids,
            "conversation.unknown_message",
            f"message {message_id!r} is not in conversation {self.conversation_id!r}",
            "data.message_id",
        )

    def merge_into(self, meta: EventMeta, target: Conversation) -> None:
        """Merge this conversation into `target`: this one records where it went, the
        target what it received. Merging again into the same target is a repeat."""
        _rule(
            target.id != self.id,
            "conversation.merge_into_self",
            "a conversation cannot be merged into itself",
            "data.into_conversation_id",
        )
        if self.merged_into == target.conversation_id:
            return
        _rule(
            target.merged_into is None,
            "conversation.merge_target_merged_away",
            f"conversation {target.conversation_id!r} was itself merged away",
            "data.into_conversation_id",
        )
        received = tuple(sorted(self.message_ids))
        self._record(self.MergedInto, meta, into_conversation_id=target.conversation_id)
        target._record(
            target.MergedFrom, meta, from_conversation_id=self.conversation_id, message_ids=received
        )

    # -- commands ----------------------------------------------------------------------
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
            meta=meta.about(cls.data_subject(conversation_id, contact_id)),
            conversation_id=conversation_id,
            channel=channel,
            inbox_id=inbox_id,
            contact_id=contact_id,
            subject=subject,
        )

    def reassign(self, meta: EventMeta, to_agent_id: str | None, to_team_id: str | None) -> None:
        if (to_agent_id, to_team_id) != (self.assignee_id, self.team_id):
            self._record(
                self.Reassigned,
                meta,
                from_agent_id=self.assignee_id,
                to_agent_id=to_agent_id,
                from_team_id=self.team_id,
                to_team_id=to_team_id,
            )

    def move(self, meta: EventMeta, to_inbox_id: str) -> None:
        if to_inbox_id != self.inbox_id:
            self._record(self.Moved, meta, from_inbox_id=self.inbox_id, to_inbox_id=to_inbox_id)

    def add_tag(self, meta: EventMeta, tag: str) -> None:
        if tag not in self.tags:
            self._record(self.TagAdded, meta, tag=tag)

    def remove_tag(self, meta: EventMeta, tag: str) -> None:
        if tag in self.tags:  # tags are a set: removing an absent tag is already so
            self._record(self.TagRemoved, meta, tag=tag)

    def resolve(self, meta: EventMeta, *, automatic: bool = False) -> None:
        if self.status != "resolved":
            self._record(self.Resolved, meta, automatic=automatic)

    def reopen(self, meta: EventMeta) -> None:
        if self.status == "open" and self.reopened:
            return  # a repeat of the reopening that made it open
        _rule(
            self.status == "resolved",
            "conversation.reopen_requires_resolved",
            f"conversation {self.conversation_id!r} is {self.status}, not resolved",
        )
        self._record(self.Reopened, meta)

    def put_on_hold(self, meta: EventMeta) -> None:
        if self.status != "on_hold":
            self._record(self.PutOnHold, meta)

    def archive(self, meta: EventMeta) -> None:
        if not self.archived:
            self._record(self.Archived, meta)

    def unarchive(self, meta: EventMeta) -> None:
        _rule(
            self.ever_archived,
            "conversation.unarchive_requires_archived",
            f"conversation {self.conversation_id!r} was never archived",
        )
        if self.archived:
            self._record(self.Unarchived, meta)

    def mark_spam(self, meta: EventMeta) -> None:
        if not self.spam:
            self._record(self.MarkedSpam, meta)

    def unmark_spam(self, meta: EventMeta) -> None:
        _rule(
            self.ever_spam,
            "conversation.unmark_requires_spam",
            f"conversation {self.conversation_id!r} was never marked as spam",
        )
        if self.spam:
            self._record(self.UnmarkedSpam, meta)
