"""How an event reads on a timeline, audit trail or history: its one-line summary, by
event class (an event of a class not listed reads as its type, in words)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.activity import Activity
from domain.contact import Contact
from domain.conversation import Conversation
from domain.incoming_email import IncomingEmail
from domain.outgoing_email import OutgoingEmail
from projections.engine.base import Recorded


def snippet(text: str | None, size: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _who(agent: str | None, team: str | None) -> str:
    if agent and team:
        return f"{agent} ({team})"
    return agent or (f"team {team}" if team else "nobody")


def _message(verb: str) -> Callable[[dict[str, Any]], str]:
    return lambda d: f"{verb} on {d['message']['channel']}: {snippet(d['message']['body'])}"


def _ref(ref: dict[str, Any] | None) -> str:
    return (ref.get("name") or ref["id"]) if ref else ""


def _activity(verb: str) -> Callable[[dict[str, Any]], str]:
    def describe(d: dict[str, Any]) -> str:
        x = d["details"]
        about = ", ".join(_ref(x.get(k)) for k in ("contact", "lead", "account") if x.get(k))
        text = f"{verb}: {x['type'].replace('_', ' ')}"
        if x.get("direction"):
            text += f" ({x['direction']})"
        return f"{text} with {about}" + (f": {snippet(x['summary'])}" if x.get("summary") else "")

    return describe


def _mailer(a: dict[str, Any]) -> str:
    return f"{a['name']} <{a['address']}>" if a.get("name") else a["address"]


def _value(v: Any) -> str:
    if v is None:
        return "(none)"
    return ", ".join(v) if isinstance(v, list) else str(v)


SUMMARIES: dict[type, Callable[[dict[str, Any]], str]] = {
    Contact.Added: lambda d: (
        f"Contact added via {d['source']}" + (f": {d['name']}" if d.get("name") else "")
    ),
    Contact.Updated: lambda d: (
        f"{d['field']} changed from {_value(d['old'])} to {_value(d['new'])}"
    ),
    Contact.Connected: lambda d: (
        f"Connected on {d['channel']} via {d['source']}"
        + (" (from a message)" if d.get("derived") else "")
    ),
    Contact.Deleted: lambda d: "Contact deleted",
    Contact.MergedInto: lambda d: f"Merged into contact {d['primary_contact_id']}",
    Contact.MergedFrom: lambda d: f"Merged with {', '.join(d['merged_contact_ids'])}",
    Contact.LeadConverted: lambda d: f"Converted from lead {_ref(d['lead'])}",
    Contact.Erased: lambda d: f"Personal data erased ({len(d['positions'])} events)",
    Conversation.Opened: lambda d: (
        f"Conversation opened on {d['channel']}" + (f": {d['subject']}" if d.get("subject") else "")
    ),
    Conversation.MessageReceived: _message("Message received"),
    Conversation.MessageSent: _message("Message sent"),
    Conversation.RepliedAndArchived: _message("Replied and archived"),
    Conversation.RepliedAndReopened: _message("Replied and reopened"),
    Conversation.Reassigned: lambda d: (
        f"Reassigned from {_who(d['from_agent_id'], d['from_team_id'])} "
        f"to {_who(d['to_agent_id'], d['to_team_id'])}"
    ),
    Conversation.Moved: lambda d: (
        f"Moved from {d['from_inbox_id'] or '(no inbox)'} to {d['to_inbox_id']}"
    ),
    Conversation.TagAdded: lambda d: f"Tag added: {d['tag']}",
    Conversation.TagRemoved: lambda d: f"Tag removed: {d['tag']}",
    Conversation.Resolved: lambda d: (
        "Auto-resolved by the assistant" if d.get("automatic") else "Resolved"
    ),
    Conversation.Reopened: lambda d: "Reopened",
    Conversation.PutOnHold: lambda d: "Put back on hold",
    Conversation.Archived: lambda d: "Archived",
    Conversation.Unarchived: lambda d: "Unarchived",
    Conversation.MarkedSpam: lambda d: "Marked as spam",
    Conversation.UnmarkedSpam: lambda d: "Unmarked as spam",
    Conversation.CustomerMarkedSpam: lambda d: (
        f"The customer marked message {d['message_id']} as spam"
    ),
    Conversation.ChatEnded: lambda d: "Chat ended",
    Conversation.MergedInto: lambda d: f"Merged into conversation {d['into_conversation_id']}",
    Conversation.MergedFrom: lambda d: (
        f"Conversation {d['from_conversation_id']} merged in ({len(d['message_ids'])} messages)"
    ),
    Conversation.NotePinned: lambda d: (
        "Internal note pinned" + (f": {snippet(d['text'])}" if d.get("text") else "")
    ),
    Conversation.NoteUnpinned: lambda d: f"Internal note {d['note_id']} unpinned",
    Conversation.WorkflowRan: lambda d: (
        f"{d['trigger'].capitalize()} workflow ran: {d['workflow_name'] or d['workflow_id']}"
    ),
    Conversation.AttachmentDeleted: lambda d: f"Attachment deleted: {d['attachment_name']}",
    Conversation.DeliveryFailed: lambda d: f"Delivery of {d['message_id']} failed: {d['reason']}",
    Conversation.BounceDetected: lambda d: (
        "Bounce detected"
        + (f" for {d['recipient']}" if d.get("recipient") else "")
        + f": {d['reason']}"
    ),
    Conversation.ChatbotHandedOver: lambda d: (
        f"Chatbot {d['bot_id']} handed over to {_who(d['to_agent_id'], d['to_team_id'])}"
    ),
    Conversation.ChatbotResolved: lambda d: f"Chatbot {d['bot_id']} resolved it by itself",
    Conversation.SubjectEdited: lambda d: (
        f"Subject changed from {d['old_subject']!r} to {d['new_subject']!r}"
    ),
    Conversation.ReminderAdded: lambda d: (
        "Reminder added"
        + (f" for {d['reminder']['due_at']}" if d["reminder"].get("due_at") else "")
        + (f": {snippet(d['reminder']['note'])}" if d["reminder"].get("note") else "")
    ),
    Conversation.ReminderTriggered: lambda d: f"Reminder {d['reminder_id']} triggered",
    Conversation.CsatSurveySent: lambda d: (
        "Satisfaction survey sent" + (f" by {d['channel']}" if d.get("channel") else "")
    ),
    Conversation.MessageViewed: lambda d: (
        f"Message {d['message_id']} viewed by "
        f"{d['viewer']['type']} {d['viewer'].get('name') or d['viewer']['id']} at {d['viewed_at']}"
    ),
    Conversation.InteractionClosed: lambda d: (
        f"Interaction closed on {d['channel']}"
        + (f" in {d['queue']}" if d.get("queue") else "")
        + f", {d['message_count']} messages"
    ),
    Activity.Logged: _activity("Activity logged"),
    Activity.TicketCreated: _activity("Ticket created"),
    Activity.WidgetChatStarted: _activity("Widget chat started"),
    Activity.Deleted: lambda d: f"Activity {d['activity_id']} deleted",
    OutgoingEmail.Drafted: lambda d: (
        f"Email drafted to {', '.join(r['address'] for r in d['recipients'])}: {d['subject']}"
    ),
    OutgoingEmail.Queued: lambda d: "Email queued for sending",
    OutgoingEmail.SendingStarted: lambda d: f"Sending attempt {d['attempt']} started",
    OutgoingEmail.Sent: lambda d: f"Email sent to {', '.join(d['recipients'])}: {d['subject']}",
    OutgoingEmail.Failed: lambda d: (
        ("Email outcome unknown, not resent: " if d["outcome_unknown"] else "Email failed: ")
        + snippet(d["error"])
    ),
    IncomingEmail.Received: lambda d: (
        f"Email from {_mailer(d['sender'])}: {d['subject'] or '(no subject)'}"
        + (f" — {snippet(d['snippet'])}" if d.get("snippet") else "")
    ),
}


def summary(recorded: Recorded, data: dict[str, Any]) -> str:
    describe = SUMMARIES.get(type(recorded.event))
    if describe is None:
        return recorded.type.split(".", 1)[1].replace("_", " ").capitalize()
    return describe(data)
