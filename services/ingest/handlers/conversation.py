"""Handlers of `conversation.*` envelopes."""

from __future__ import annotations

from domain.conversation import Attachment, Conversation, Message, Reminder, Viewer
from domain.shared import EventMeta
from services.ingest.contracts import conversation as c
from services.ingest.handlers.lookup import conversation, current_contact
from services.ingest.unit_of_work import UnitOfWork


def opened(uow: UnitOfWork, meta: EventMeta, d: c.Opened) -> None:
    if uow.find(Conversation.id_for(meta.workspace_id, d.conversation_id)) is None:
        uow.add(
            Conversation.open(
                meta,
                d.conversation_id,
                channel=d.channel,
                inbox_id=d.inbox_id,
                contact_id=d.contact_id,
                subject=d.subject,
            )
        )


def _message(conv: Conversation, d: c.MessageIn, default_source: str) -> Message:
    attachments = tuple(Attachment(**a.model_dump()) for a in d.attachments)
    return Message(
        d.message_id, d.channel or conv.channel, d.body, attachments, d.source or default_source
    )


def _record(command: str, incoming: bool):
    """A handler for a message-carrying event; a new message on a channel where the
    conversation's contact is not yet connected also connects the contact."""

    def handle(uow: UnitOfWork, meta: EventMeta, d: c.MessageIn) -> None:
        conv = conversation(uow, meta, d.conversation_id)
        default = (
            "incoming_message" if incoming else ("user" if meta.actor.type == "user" else "api")
        )
        message = _message(conv, d, default)
        if not getattr(conv, command)(meta, message):
            return
        contact = current_contact(uow, meta, conv.contact_id)
        if contact is not None:
            source = message.source if message.source in _CONNECT else "api"
            contact.connect(meta, message.channel, source, derived=True)

    return handle


_CONNECT = ("api", "incoming_message", "echo_message", "zapier", "make", "broadcast", "user")
message_received = _record("receive_message", incoming=True)
message_sent = _record("send_message", incoming=False)
replied_and_archived = _record("reply_and_archive", incoming=False)
replied_and_reopened = _record("reply_and_reopen", incoming=False)


def _simple(method: str):
    """A handler that calls one argument-less command of the conversation."""

    def handle(uow: UnitOfWork, meta: EventMeta, d: c.Ref) -> None:
        getattr(conversation(uow, meta, d.conversation_id), method)(meta)

    return handle


reopened, archived, unarchived = _simple("reopen"), _simple("archive"), _simple("unarchive")
marked_spam, unmarked_spam = _simple("mark_spam"), _simple("unmark_spam")
chat_ended, put_on_hold = _simple("end_chat"), _simple("put_on_hold")


def reassigned(uow: UnitOfWork, meta: EventMeta, d: c.Reassigned) -> None:
    conversation(uow, meta, d.conversation_id).reassign(meta, d.to_agent_id, d.to_team_id)


def moved(uow: UnitOfWork, meta: EventMeta, d: c.Moved) -> None:
    conversation(uow, meta, d.conversation_id).move(meta, d.to_inbox_id)


def tag_added(uow: UnitOfWork, meta: EventMeta, d: c.Tag) -> None:
    conversation(uow, meta, d.conversation_id).add_tag(meta, d.tag)


def tag_removed(uow: UnitOfWork, meta: EventMeta, d: c.Tag) -> None:
    conversation(uow, meta, d.conversation_id).remove_tag(meta, d.tag)


def resolved(uow: UnitOfWork, meta: EventMeta, d: c.Resolved) -> None:
    conversation(uow, meta, d.conversation_id).resolve(meta, automatic=d.automatic)


def customer_marked_spam(uow: UnitOfWork, meta: EventMeta, d: c.MessageRef) -> None:
    conversation(uow, meta, d.conversation_id).customer_marks_spam(meta, d.message_id)


def note_pinned(uow: UnitOfWork, meta: EventMeta, d: c.NotePinned) -> None:
    conversation(uow, meta, d.conversation_id).pin_note(meta, d.note_id, d.text)


def note_unpinned(uow: UnitOfWork, meta: EventMeta, d: c.NoteUnpinned) -> None:
    conversation(uow, meta, d.conversation_id).unpin_note(meta, d.note_id)


def merged(uow: UnitOfWork, meta: EventMeta, d: c.Merged) -> None:
    source = conversation(uow, meta, d.conversation_id)
    target = conversation(uow, meta, d.into_conversation_id, "data.into_conversation_id")
    source.merge_into(meta, target)


def workflow_ran(uow: UnitOfWork, meta: EventMeta, d: c.WorkflowRan) -> None:
    conversation(uow, meta, d.conversation_id).run_workflow(
        meta, d.workflow_id, d.workflow_name, d.trigger
    )


def attachment_deleted(uow: UnitOfWork, meta: EventMeta, d: c.AttachmentDeleted) -> None:
    conversation(uow, meta, d.conversation_id).delete_attachment(
        meta, d.message_id, d.attachment_name
    )


def delivery_failed(uow: UnitOfWork, meta: EventMeta, d: c.DeliveryFailed) -> None:
    conversation(uow, meta, d.conversation_id).delivery_failed(meta, d.message_id, d.reason)


def bounce_detected(uow: UnitOfWork, meta: EventMeta, d: c.BounceDetected) -> None:
    conversation(uow, meta, d.conversation_id).bounce_detected(
        meta, d.message_id, d.recipient, d.reason
    )


def chatbot_handed_over(uow: UnitOfWork, meta: EventMeta, d: c.ChatbotHandedOver) -> None:
    conversation(uow, meta, d.conversation_id).chatbot_hand_over(
        meta, d.bot_id, d.to_agent_id, d.to_team_id
    )


def chatbot_resolved(uow: UnitOfWork, meta: EventMeta, d: c.ChatbotResolved) -> None:
    conversation(uow, meta, d.conversation_id).chatbot_resolve(meta, d.bot_id)


def subject_edited(uow: UnitOfWork, meta: EventMeta, d: c.SubjectEdited) -> None:
    conversation(uow, meta, d.conversation_id).edit_subject(meta, d.subject)


def reminder_added(uow: UnitOfWork, meta: EventMeta, d: c.ReminderAdded) -> None:
    reminder = Reminder(d.reminder_id, d.due_at, d.note)
    conversation(uow, meta, d.conversation_id).add_reminder(meta, reminder)


def reminder_triggered(uow: UnitOfWork, meta: EventMeta, d: c.ReminderTriggered) -> None:
    conversation(uow, meta, d.conversation_id).trigger_reminder(meta, d.reminder_id)


def csat_survey_sent(uow: UnitOfWork, meta: EventMeta, d: c.CsatSurveySent) -> None:
    conversation(uow, meta, d.conversation_id).send_csat_survey(meta, d.survey_id, d.channel)


def message_viewed(uow: UnitOfWork, meta: EventMeta, d: c.MessageViewed) -> None:
    viewer = Viewer(d.viewer.type, d.viewer.id, d.viewer.name)
    conversation(uow, meta, d.conversation_id).view_message(meta, d.message_id, viewer, d.viewed_at)


def interaction_closed(uow: UnitOfWork, meta: EventMeta, d: c.InteractionClosed) -> None:
    conversation(uow, meta, d.conversation_id).close_interaction(
        meta,
        queue=d.queue,
        channel=d.channel,
        message_count=d.message_count,
        first_message=d.first_message,
    )
