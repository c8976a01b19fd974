"""Conversation commands about the work on it (a mixin of Conversation)."""

from __future__ import annotations

from domain.conversation.values import Reminder
from domain.shared import EventMeta
from domain.shared import rule as _rule


class WorkCommands:
    def end_chat(self, meta: EventMeta) -> None:
        if not self.chat_ended:
            self._record(self.ChatEnded, meta)

    def pin_note(self, meta: EventMeta, note_id: str, text: str | None = None) -> None:
        if note_id not in self.pinned_notes:
            self._record(self.NotePinned, meta, note_id=note_id, text=text)

    def unpin_note(self, meta: EventMeta, note_id: str) -> None:
        _rule(
            note_id in self.ever_pinned,
            "conversation.unpin_requires_pinned",
            f"note {note_id!r} was never pinned",
            "data.note_id",
        )
        if note_id in self.pinned_notes:
            self._record(self.NoteUnpinned, meta, note_id=note_id)

    def run_workflow(
        self, meta: EventMeta, workflow_id: str, name: str | None, trigger: str
    ) -> None:
        _rule(
            trigger in ("manual", "automated"),
            "conversation.workflow_trigger",
            f"trigger must be manual or automated, not {trigger!r}",
            "data.trigger",
        )
        self._record(
            self.WorkflowRan, meta, workflow_id=workflow_id, workflow_name=name, trigger=trigger
        )

    def chatbot_hand_over(
        self, meta: EventMeta, bot_id: str, to_agent_id: str | None, to_team_id: str | None
    ) -> None:
        self._record(
            self.ChatbotHandedOver,
            meta,
            bot_id=bot_id,
            to_agent_id=to_agent_id,
            to_team_id=to_team_id,
        )

    def chatbot_resolve(self, meta: EventMeta, bot_id: str) -> None:
        if self.status != "resolved":
            self._record(self.ChatbotResolved, meta, bot_id=bot_id)

    def edit_subject(self, meta: EventMeta, new_subject: str) -> None:
        if new_subject != self.subject:
            self._record(
                self.SubjectEdited, meta, old_subject=self.subject, new_subject=new_subject
            )

    def add_reminder(self, meta: EventMeta, reminder: Reminder) -> None:
        if reminder.reminder_id not in self.reminders:
            self._record(self.ReminderAdded, meta, reminder=reminder)

    def trigger_reminder(self, meta: EventMeta, reminder_id: str) -> None:
        _rule(
            reminder_id in self.reminders,
            "conversation.unknown_reminder",
            f"reminder {reminder_id!r} was never added",
            "data.reminder_id",
        )
        if not self.reminders[reminder_id]:
            self._record(self.ReminderTriggered, meta, reminder_id=reminder_id)

    def send_csat_survey(self, meta: EventMeta, survey_id: str, channel: str | None) -> None:
        if survey_id not in self.surveys:
            self._record(self.CsatSurveySent, meta, survey_id=survey_id, channel=channel)
