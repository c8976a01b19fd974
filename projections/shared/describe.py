"""How an event reads on a timeline or audit trail: a one-line summary and its data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from projections.engine.base import Recorded

ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "meta"}
)
_json = msgspec.json.Encoder()


def data_of(event: Any) -> dict[str, Any]:
    """The event's own fields, as plain JSON values."""
    return msgspec.to_builtins({k: v for k, v in vars(event).items() if k not in ENVELOPE_FIELDS})


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


SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "contact.added": lambda d: (
        f"Contact added via {d['source']}" + (f": {d['name']}" if d.get("name") else "")
    ),
    "contact.updated": lambda d: (
        f"{d['field']} changed from {_value(d['old'])} to {_value(d['new'])}"
    ),
    "contact.connected": lambda d: (
        f"Connected on {d['channel']} via {d['source']}"
        + (" (from a message)" if d.get("derived") else "")
    ),
    "contact.deleted": lambda d: "Contact deleted",
    "contact.merged_into": lambda d: f"Merged into contact {d['primary_contact_id']}",
    "contact.merged_from": lambda d: f"Merged with {', '.join(d['merged_contact_ids'])}",
    "contact.lead_converted": lambda d: f"Converted from lead {_ref(d['lead'])}",
    "contact.erased": lambda d: f"Personal data erased ({len(d['positions'])} events)",
    "conversation.opened": lambda d: (
        f"Conversation opened on {d['channel']}" + (f": {d['subject']}" if d.get("subject") else "")
    ),
    "conversation.message_received": _message("Message received"),
    "conversation.message_sent": _message("Message sent"),
    "conversation.replied_and_archived": _message("Replied and archived"),
    "conversation.replied_and_reopened": _message("Replied and reopened"),
    "conversation.reassigned": lambda d: (
        f"Reassigned from {_who(d['from_agent_id'], d['from_team_id'])} "
        f"to {_who(d['to_agent_id'], d['to_team_id'])}"
    ),
    "conversation.moved": lambda d: (
        f"Moved from {d['from_inbox_id'] or '(no inbox)'} to {d['to_inbox_id']}"
    ),
    "conversation.tag_added": lambda d: f"Tag added: {d['tag']}",
    "conversation.tag_removed": lambda d: f"Tag removed: {d['tag']}",
    "conversation.resolved": lambda d: (
        "Auto-resolved by the assistant" if d.get("automatic") else "Resolved"
    ),
    "conversation.reopened": lambda d: "Reopened",
    "conversation.put_on_hold": lambda d: "Put back on hold",
    "conversation.archived": lambda d: "Archived",
    "conversation.unarchived": lambda d: "Unarchived",
    "conversation.marked_spam": lambda d: "Marked as spam",
    "conversation.unmarked_spam": lambda d: "Unmarked as spam",
    "conversation.customer_marked_spam": lambda d: (
        f"The customer marked message {d['message_id']} as spam"
    ),
    "conversation.chat_ended": lambda d: "Chat ended",
    "conversation.merged_into": lambda d: f"Merged into conversation {d['into_conversation_id']}",
    "conversation.merged_from": lambda d: (
        f"Conversation {d['from_conversation_id']} merged in ({len(d['message_ids'])} messages)"
    ),
    "conversation.note_pinned": lambda d: (
        "Internal note pinned" + (f": {snippet(d['text'])}" if d.get("text") else "")
    ),
    "conversation.note_unpinned": lambda d: f"Internal note {d['note_id']} unpinned",
    "conversation.workflow_ran": lambda d: (
        f"{d['trigger'].capitalize()} workflow ran: {d['workflow_name'] or d['workflow_id']}"
    ),
    "conversation.attachment_deleted": lambda d: f"Attachment deleted: {d['attachment_name']}",
    "conversation.delivery_failed": lambda d: (
        f"Delivery of {d['message_id']} failed: {d['reason']}"
    ),
    "conversation.bounce_detected": lambda d: (
        "Bounce detected"
        + (f" for {d['recipient']}" if d.get("recipient") else "")
        + f": {d['reason']}"
    ),
    "conversation.chatbot_handed_over": lambda d: (
        f"Chatbot {d['bot_id']} handed over to {_who(d['to_agent_id'], d['to_team_id'])}"
    ),
    "conversation.chatbot_resolved": lambda d: f"Chatbot {d['bot_id']} resolved it by itself",
    "conversation.subject_edited": lambda d: (
        f"Subject changed from {d['old_subject']!r} to {d['new_subject']!r}"
    ),
    "conversation.reminder_added": lambda d: (
        "Reminder added"
        + (f" for {d['reminder']['due_at']}" if d["reminder"].get("due_at") else "")
        + (f": {snippet(d['reminder']['note'])}" if d["reminder"].get("note") else "")
    ),
    "conversation.reminder_triggered": lambda d: f"Reminder {d['reminder_id']} triggered",
    "conversation.csat_survey_sent": lambda d: (
        "Satisfaction survey sent" + (f" by {d['channel']}" if d.get("channel") else "")
    ),
    "conversation.message_viewed": lambda d: (
        f"Message {d['message_id']} viewed by "
        f"{d['viewer']['type']} {d['viewer'].get('name') or d['viewer']['id']} at {d['viewed_at']}"
    ),
    "conversation.interaction_closed": lambda d: (
        f"Interaction closed on {d['channel']}"
        + (f" in {d['queue']}" if d.get("queue") else "")
        + f", {d['message_count']} messages"
    ),
    "activity.logged": _activity("Activity logged"),
    "activity.ticket_created": _activity("Ticket created"),
    "activity.widget_chat_started": _activity("Widget chat started"),
    "activity.deleted": lambda d: f"Activity {d['activity_id']} deleted",
    "email.drafted": lambda d: (
        f"Email drafted to {', '.join(r['address'] for r in d['recipients'])}: {d['subject']}"
    ),
    "email.queued": lambda d: "Email queued for sending",
    "email.sending_started": lambda d: f"Sending attempt {d['attempt']} started",
    "email.sent": lambda d: f"Email sent to {', '.join(d['recipients'])}: {d['subject']}",
    "email.failed": lambda d: (
        ("Email outcome unknown, not resent: " if d["outcome_unknown"] else "Email failed: ")
        + snippet(d["error"])
    ),
    "email.received": lambda d: (
        f"Email from {_mailer(d['sender'])}: {d['subject'] or '(no subject)'}"
        + (f" — {snippet(d['snippet'])}" if d.get("snippet") else "")
    ),
}


def summary(recorded: Recorded, data: dict[str, Any]) -> str:
    describe = SUMMARIES.get(recorded.type)
    if describe is None:
        return recorded.type.split(".", 1)[1].replace("_", " ").capitalize()
    return describe(data)


def common_columns(recorded: Recorded) -> tuple:
    """(occurred_at, recorded_at, type, actor type/id/name, team, summary, details json)."""
    meta = recorded.meta
    data = data_of(recorded.event)
    return (
        meta.occurred_at,
        recorded.event.timestamp,
        recorded.type,
        meta.actor.type,
        meta.actor.id,
        meta.actor.name,
        meta.team_id,
        summary(recorded, data),
        _json.encode(data).decode(),
    )


COMMON_DDL = """
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    type text NOT NULL,
    actor_type text NOT NULL,
    actor_id text NOT NULL,
    actor_name text,
    team_id text,
    summary text NOT NULL,
    details jsonb NOT NULL
"""
COMMON_COLUMNS = (
    "occurred_at, recorded_at, type, actor_type, actor_id, actor_name, team_id, summary, details"
)
COMMON_PLACEHOLDERS = "%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb"
