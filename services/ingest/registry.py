"""Every envelope type Chronicle accepts, registered in this one place.

Each entry names its `type` (also the last two tokens of its subject), the pydantic model
of its `data`, its handler, whether it is a *fact* (recorded whenever it happened, even
late, checked only for what it refers to) or a *command* (validated against the current
state: it may break a named rule, or repeat what is already so and record nothing), and
an example, with the envelopes that must come before it. docs/events.md is generated from
this table, and the end-to-end test publishes every example, each after the envelopes it follows.
docs/events.md shows them as one story (services/ingest/story.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from domain.activity import Activity
from domain.contact import Contact
from domain.conversation import Conversation
from domain.outgoing_email import OutgoingEmail
from domain.shared import EventMeta
from services.ingest import email_commands
from services.ingest.contracts import contact as kc
from services.ingest.contracts import conversation as cc
from services.ingest.handlers import contact as kh
from services.ingest.handlers import conversation as ch
from services.ingest.handlers.workspace import WORKSPACE

Example = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Command:
    type: str
    data_model: type[BaseModel]
    handle: Callable[..., None]
    kind: str  # fact | command
    summary: str
    example: dict[str, Any]
    given: tuple[Example, ...] = ()


ANN = (
    "contact.added",
    {
        "contact_id": "c_ann",
        "name": "Ann Lee",
        "source": "incoming_message",
        "emails": ["ann@example.com"],
    },
)
BO = ("contact.added", {"contact_id": "c_bo", "name": "Bo Chen", "source": "import"})
CY = ("contact.added", {"contact_id": "c_cy", "name": "Cy Young", "source": "api"})
C1 = {"conversation_id": "conv_1"}
OPEN = (
    "conversation.opened",
    {
        **C1,
        "channel": "email",
        "inbox_id": "support",
        "contact_id": "c_ann",
        "subject": "Charged twice",
    },
)
OPEN2 = (
    "conversation.opened",
    {"conversation_id": "conv_2", "channel": "email", "contact_id": "c_ann"},
)
IN = (
    "conversation.message_received",
    {**C1, "message_id": "m_1", "body": "Hi, I was charged twice this month."},
)
OUT = (
    "conversation.message_sent",
    {**C1, "message_id": "m_2", "body": "Sorry! I have refunded the duplicate charge."},
)
RESOLVED = ("conversation.resolved", C1)
CONV, MSG, DONE = (ANN, OPEN), (ANN, OPEN, IN), (ANN, OPEN, RESOLVED)
REPLY = {**C1, "message_id": "m_3", "body": "Anything else I can help with?"}
REPLY_ARCHIVE = {**C1, "message_id": "m_4", "body": "Glad it is sorted, closing this one."}


def _c(
    type_: str,
    model: type[BaseModel],
    handle: Callable[..., None],
    kind: str,
    summary: str,
    example: dict[str, Any],
    given: tuple[Example, ...] = CONV,
) -> Command:
    return Command(type_, model, handle, kind, summary, example, given)


CONVERSATION = [
    _c(
        "conversation.opened",
        cc.Opened,
        ch.opened,
        "fact",
        "A conversation was opened",
        OPEN[1],
        (ANN,),
    ),
    _c(
        "conversation.message_received",
        cc.MessageIn,
        ch.message_received,
        "fact",
        "A message arrived from the contact",
        IN[1],
    ),
    _c(
        "conversation.message_sent",
        cc.MessageIn,
        ch.message_sent,
        "fact",
        "A message was sent (delivered) to the contact",
        OUT[1],
    ),
    _c(
        "conversation.replied_and_archived",
        cc.MessageIn,
        ch.replied_and_archived,
        "fact",
        "An agent replied and archived the conversation",
        REPLY_ARCHIVE,
    ),
    _c(
        "conversation.replied_and_reopened",
        cc.MessageIn,
        ch.replied_and_reopened,
        "fact",
        "An agent replied and reopened the conversation",
        REPLY,
        DONE,
    ),
    _c(
        "conversation.reassigned",
        cc.Reassigned,
        ch.reassigned,
        "command",
        "The conversation went to another agent and/or team",
        {**C1, "to_agent_id": "u_21", "to_team_id": "billing"},
    ),
    _c(
        "conversation.moved",
        cc.Moved,
        ch.moved,
        "command",
        "The conversation moved inbox",
        {**C1, "to_inbox_id": "billing"},
    ),
    _c(
        "conversation.tag_added",
        cc.Tag,
        ch.tag_added,
        "command",
        "A tag was added",
        {**C1, "tag": "refund"},
    ),
    _c(
        "conversation.tag_removed",
        cc.Tag,
        ch.tag_removed,
        "command",
        "A tag was removed",
        {**C1, "tag": "refund"},
        (*CONV, ("conversation.tag_added", {**C1, "tag": "refund"})),
    ),
    _c(
        "conversation.resolved",
        cc.Resolved,
        ch.resolved,
        "command",
        "Resolved by an agent, or auto-resolved by the assistant (automatic: true)",
        {**C1, "automatic": True},
    ),
    _c(
        "conversation.reopened",
        cc.Ref,
        ch.reopened,
        "command",
        "A resolved conversation was reopened",
        C1,
        DONE,
    ),
    _c("conversation.archived", cc.Ref, ch.archived, "command", "Archived", C1),
    _c(
        "conversation.unarchived",
        cc.Ref,
        ch.unarchived,
        "command",
        "Unarchived",
        C1,
        (*CONV, ("conversation.archived", C1)),
    ),
    _c(
        "conversation.marked_spam",
        cc.Ref,
        ch.marked_spam,
        "command",
        "An agent marked the conversation as spam",
        C1,
    ),
    _c(
        "conversation.unmarked_spam",
        cc.Ref,
        ch.unmarked_spam,
        "command",
        "An agent unmarked it as spam",
        C1,
        (*CONV, ("conversation.marked_spam", C1)),
    ),
    _c(
        "conversation.customer_marked_spam",
        cc.MessageRef,
        ch.customer_marked_spam,
        "fact",
        "The customer marked one of our messages as spam",
        {**C1, "message_id": "m_2"},
        (*CONV, OUT),
    ),
    _c("conversation.chat_ended", cc.Ref, ch.chat_ended, "fact", "An agent ended the chat", C1),
    _c(
        "conversation.put_on_hold",
        cc.Ref,
        ch.put_on_hold,
        "command",
        "The conversation was put back on hold",
        C1,
    ),
    _c(
        "conversation.note_pinned",
        cc.NotePinned,
        ch.note_pinned,
        "command",
        "An internal note was pinned",
        {**C1, "note_id": "n_1", "text": "VIP: refund without questions"},
    ),
    _c(
        "conversation.note_unpinned",
        cc.NoteUnpinned,
        ch.note_unpinned,
        "command",
        "An internal note was unpinned",
        {**C1, "note_id": "n_1"},
        (*CONV, ("conversation.note_pinned", {**C1, "note_id": "n_1"})),
    ),
    _c(
        "conversation.merged",
        cc.Merged,
        ch.merged,
        "command",
        "Merged into another conversation (source records where, target what it received)",
        {**C1, "into_conversation_id": "conv_2"},
        (*MSG, OPEN2),
    ),
    _c(
        "conversation.workflow_ran",
        cc.WorkflowRan,
        ch.workflow_ran,
        "fact",
        "A manual or automated workflow ran",
        {**C1, "workflow_id": "wf_7", "workflow_name": "Refund triage", "trigger": "automated"},
    ),
    _c(
        "conversation.attachment_deleted",
        cc.AttachmentDeleted,
        ch.attachment_deleted,
        "fact",
        "An attachment was deleted",
        {**C1, "message_id": "m_1", "attachment_name": "bill.pdf"},
        MSG,
    ),
    _c(
        "conversation.delivery_failed",
        cc.DeliveryFailed,
        ch.delivery_failed,
        "fact",
        "A message could not be delivered",
        {**C1, "message_id": "m_2", "reason": "recipient blocked the number"},
        (*CONV, OUT),
    ),
    _c(
        "conversation.bounce_detected",
        cc.BounceDetected,
        ch.bounce_detected,
        "fact",
        "An email bounce was detected",
        {**C1, "message_id": "m_2", "recipient": "ann@example.com", "reason": "mailbox full"},
        (*CONV, OUT),
    ),
    _c(
        "conversation.chatbot_handed_over",
        cc.ChatbotHandedOver,
        ch.chatbot_handed_over,
        "fact",
        "The chatbot handed the conversation to a human",
        {**C1, "bot_id": "bot_1", "to_team_id": "support"},
    ),
    _c(
        "conversation.chatbot_resolved",
        cc.ChatbotResolved,
        ch.chatbot_resolved,
        "fact",
        "The chatbot resolved the conversation by itself",
        {**C1, "bot_id": "bot_1"},
    ),
    _c(
        "conversation.subject_edited",
        cc.SubjectEdited,
        ch.subject_edited,
        "command",
        "The subject was edited (old and new kept)",
        {**C1, "subject": "Duplicate charge"},
    ),
    _c(
        "conversation.reminder_added",
        cc.ReminderAdded,
        ch.reminder_added,
        "command",
        "A reminder was added",
        {**C1, "reminder_id": "r_1", "due_at": "2026-11-21T09:00:00Z", "note": "Check refund"},
    ),
    _c(
        "conversation.reminder_triggered",
        cc.ReminderTriggered,
        ch.reminder_triggered,
        "fact",
        "A reminder went off",
        {**C1, "reminder_id": "r_1"},
        (*CONV, ("conversation.reminder_added", {**C1, "reminder_id": "r_1"})),
    ),
    _c(
        "conversation.csat_survey_sent",
        cc.CsatSurveySent,
        ch.csat_survey_sent,
        "fact",
        "A customer satisfaction survey was sent",
        {**C1, "survey_id": "s_1", "channel": "email"},
    ),
    _c(
        "conversation.message_viewed",
        cc.MessageViewed,
        ch.message_viewed,
        "fact",
        "A message was viewed by the customer or a teammate, at an exact time",
        {
            **C1,
            "message_id": "m_2",
            "viewer": {"type": "customer", "id": "c_ann"},
            "viewed_at": "2026-11-20T09:17:42.250Z",
        },
        (*CONV, OUT),
    ),
    _c(
        "conversation.interaction_closed",
        cc.InteractionClosed,
        ch.interaction_closed,
        "fact",
        "An interaction closed (queue, channel, message count, first message)",
        {**C1, "queue": "support"},
        MSG,
    ),
]

CONTACT = [
    _c("contact.added", kc.ContactAdded, kh.added, "fact", "A contact was added", ANN[1], ()),
    _c(
        "contact.updated",
        kc.ContactUpdated,
        kh.updated,
        "command",
        "A field changed (old and new kept)",
        {"contact_id": "c_ann", "field": "name", "new": "Ann Lee-Smith"},
        (ANN,),
    ),
    _c(
        "contact.connected",
        kc.ContactConnected,
        kh.connected,
        "command",
        "The contact became reachable on a channel",
        {"contact_id": "c_ann", "channel": "whatsapp", "source": "broadcast"},
        (ANN,),
    ),
    _c(
        "contact.deleted",
        kc.ContactRef,
        kh.deleted,
        "command",
        "A user deleted the contact",
        {"contact_id": "c_cy"},
        (CY,),
    ),
    _c(
        "contact.merged",
        kc.ContactMerged,
        kh.merged,
        "command",
        "Contacts were merged into a primary",
        {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]},
        (ANN, BO),
    ),
    _c(
        "lead.converted",
        kc.LeadConverted,
        kh.lead_converted,
        "command",
        "A lead was converted to a contact (logged on both)",
        {"lead_id": "l_9", "lead_name": "Ann (lead)", "contact_id": "c_ann"},
        (ANN,),
    ),
    _c(
        "activity.logged",
        kc.ActivityLogged,
        kh.activity_logged,
        "fact",
        "An activity was logged",
        {
            "activity_id": "a_1",
            "type": "call",
            "summary": "Called about the refund",
            "direction": "outbound",
            "source": "manual",
            "contact_id": "c_ann",
            "contact_name": "Ann Lee",
            "account_id": "acc_1",
            "account_name": "Acme",
        },
        (ANN,),
    ),
    _c(
        "activity.deleted",
        kc.ActivityRef,
        kh.activity_deleted,
        "command",
        "An activity was deleted",
        {"activity_id": "a_1"},
        (ANN, ("activity.logged", {"activity_id": "a_1", "type": "note", "contact_id": "c_ann"})),
    ),
    _c(
        "activity.ticket_created",
        kc.TicketCreated,
        kh.ticket_created,
        "fact",
        "A support ticket was created for the contact",
        {"ticket_id": "T-9", "contact_id": "c_ann", "subject": "Refund not received"},
        (ANN,),
    ),
    _c(
        "activity.widget_chat_started",
        kc.WidgetChatStarted,
        kh.widget_chat_started,
        "fact",
        "A website widget chat started (an unknown visitor becomes a contact)",
        {
            "chat_id": "w_5",
            "contact_id": "c_visitor",
            "visitor_name": "Visitor 5",
            "first_message": "Do you ship to Norway?",
        },
        (),
    ),
]

EMAIL = [Command(*entry) for entry in email_commands.ENTRIES]

COMMANDS: dict[str, Command] = {
    c.type: c for c in (*CONVERSATION, *CONTACT, *EMAIL, *(_c(*entry) for entry in WORKSPACE))
}

# Data fields that name an aggregate: their aggregates are loaded for a whole batch at once.
KEY_FIELDS = {
    "conversation_id": Conversation,
    "into_conversation_id": Conversation,
    "contact_id": Contact,
    "merged_contact_ids": Contact,
    "activity_id": Activity,
    "email_id": OutgoingEmail,
}


# Activities a handler finds by a name made from a data field (handlers/contact.py).
DERIVED_ACTIVITIES = {
    "ticket_id": kh.TICKET_ACTIVITY,
    "chat_id": kh.CHAT_ACTIVITY,
    "lead_id": kh.LEAD_CONVERSION_ACTIVITY,
}


def aggregate_keys(meta: EventMeta, data: BaseModel) -> list:
    keys = []
    values = data.__dict__  # a pydantic model's fields; getattr of a missing one is slow
    for field, aggregate in _key_fields(type(data)):
        value = values.get(field)
        for external_id in value if isinstance(value, list) else [value]:
            if isinstance(external_id, str):
                keys.append(aggregate.id_for(meta.workspace_id, external_id))
    for field, name in _derived_fields(type(data)):
        value = values.get(field)
        if isinstance(value, str):
            keys.append(Activity.id_for(meta.workspace_id, name.format(value)))
    return keys


@cache
def _key_fields(model: type[BaseModel]) -> list[tuple[str, Any]]:
    return [(f, agg) for f, agg in KEY_FIELDS.items() if f in model.model_fields]


@cache
def _derived_fields(model: type[BaseModel]) -> list[tuple[str, str]]:
    return [(f, name) for f, name in DERIVED_ACTIVITIES.items() if f in model.model_fields]


def related_keys(meta: EventMeta, data: BaseModel, cached: Callable[[Any], Any]) -> list:
    """Aggregates handlers reach through another one, once that one is loaded: the
    contact of a conversation (messages connect it to their channel)."""
    conversation_id = data.__dict__.get("conversation_id")
    if not isinstance(conversation_id, str):
        return []
    conversation = cached(Conversation.id_for(meta.workspace_id, conversation_id))
    contact_id = getattr(conversation, "contact_id", None)
    return [Contact.id_for(meta.workspace_id, contact_id)] if contact_id else []
