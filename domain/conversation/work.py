"""Conversation events about the work done on it: routing, notes, automation, follow-up."""

from __future__ import annotations

from domain.conversation.lifecycle import ConversationEvent
from domain.conversation.values import Reminder


class Reassigned(ConversationEvent):
    TOPIC = "conversation.reassigned.v1"
    from_agent_id: str | None
    to_agent_id: str | None
    from_team_id: str | None
    to_team_id: str | None

    def apply(self, c) -> None:
        c.take_owner(self)


class Moved(ConversationEvent):
    TOPIC = "conversation.moved.v1"
    from_inbox_id: str | None
    to_inbox_id: str

    def apply(self, c) -> None:
        c.inbox_id = self.to_inbox_id


class TagAdded(ConversationEvent):
    TOPIC = "conversation.tag_added.v1"
    tag: str

    def apply(self, c) -> None:
        c.tags.add(self.tag)


class TagRemoved(ConversationEvent):
    TOPIC = "conversation.tag_removed.v1"
    tag: str

    def apply(self, c) -> None:
        c.tags.discard(self.tag)


class NotePinned(ConversationEvent):
    TOPIC = "conversation.note_pinned.v1"
    PERSONAL = ("text",)
    note_id: str
    text: str | None

    def apply(self, c) -> None:
        c.pinned_notes.add(self.note_id)
        c.ever_pinned.add(self.note_id)


class NoteUnpinned(ConversationEvent):
    TOPIC = "conversation.note_unpinned.v1"
    note_id: str

    def apply(self, c) -> None:
        c.pinned_notes.discard(self.note_id)


class WorkflowRan(ConversationEvent):
    TOPIC = "conversation.workflow_ran.v1"
    workflow_id: str
    workflow_name: str | None
    trigger: str  # manual | automated


class ChatbotHandedOver(ConversationEvent):
    TOPIC = "conversation.chatbot_handed_over.v1"
    bot_id: str
    to_agent_id: str | None
    to_team_id: str | None

    def apply(self, c) -> None:
        c.take_owner(self)


class ChatbotResolved(ConversationEvent):
    TOPIC = "conversation.chatbot_resolved.v1"
    bot_id: str

    def apply(self, c) -> None:
        c.status, c.reopened = "resolved", False


class SubjectEdited(ConversationEvent):
    TOPIC = "conversation.subject_edited.v1"
    PERSONAL = ("old_subject", "new_subject")
    old_subject: str | None
    new_subject: str

    def apply(self, c) -> None:
        c.subject = self.new_subject


class ReminderAdded(ConversationEvent):
    TOPIC = "conversation.reminder_added.v1"
    PERSONAL = ("reminder.note",)
    reminder: Reminder

    def apply(self, c) -> None:
        c.reminders[self.reminder.reminder_id] = False


class ReminderTriggered(ConversationEvent):
    TOPIC = "conversation.reminder_triggered.v1"
    reminder_id: str

    def apply(self, c) -> None:
        c.reminders[self.reminder_id] = True


class CsatSurveySent(ConversationEvent):
    TOPIC = "conversation.csat_survey_sent.v1"
    survey_id: str
    channel: str | None

    def apply(self, c) -> None:
        c.surveys.add(self.survey_id)
