"""docs/events.md's examples as one story. Published in this order into an empty
workspace, every example is accepted and records exactly what the catalogue says it
records: each type's section shows its steps of the story, in story order (a type's steps
are consecutive, so document order is story order). `scripts/docs` refuses a story that
breaks, and tests/e2e/test_events_story.py publishes the examples from the document.

Most steps are the registry's examples; the rest are the few extra envelopes the story
needs (a second and a third contact to merge and delete, a second conversation to merge
into, a second email that fails)."""

from __future__ import annotations

from typing import Any

from services.ingest.email_commands import DRAFT2, QUEUED2, STARTED2
from services.ingest.registry import BO, COMMANDS, CY, OPEN2

Step = tuple[str, dict[str, Any]]


def example(type_: str) -> Step:
    return type_, COMMANDS[type_].example


_ORDER = [
    "workspace.settings_changed",
    "workspace.channel_added",
    "contact.added",
    BO,
    CY,
    "contact.updated",
    "contact.connected",
    "contact.deleted",  # c_cy
    "contact.merged",  # c_bo into c_ann
    "lead.converted",
    "activity.logged",
    "activity.deleted",
    "activity.ticket_created",
    "activity.widget_chat_started",
    "conversation.opened",
    OPEN2,
    "conversation.message_received",
    "conversation.message_sent",
    "conversation.message_viewed",
    "conversation.customer_marked_spam",
    "conversation.delivery_failed",
    "conversation.bounce_detected",
    "conversation.attachment_deleted",
    "conversation.reassigned",
    "conversation.moved",
    "conversation.tag_added",
    "conversation.tag_removed",
    "conversation.note_pinned",
    "conversation.note_unpinned",
    "conversation.reminder_added",
    "conversation.reminder_triggered",
    "conversation.subject_edited",
    "conversation.workflow_ran",
    "conversation.chatbot_handed_over",
    "conversation.csat_survey_sent",
    "conversation.chat_ended",
    "conversation.interaction_closed",
    "conversation.marked_spam",
    "conversation.unmarked_spam",
    "conversation.put_on_hold",
    "conversation.resolved",
    "conversation.reopened",
    "conversation.chatbot_resolved",
    "conversation.replied_and_reopened",  # m_3
    "conversation.archived",
    "conversation.unarchived",
    "conversation.replied_and_archived",  # m_4
    "conversation.merged",  # conv_1 into conv_2: conv_1 takes no more changes
    "email.drafted",
    DRAFT2,
    "email.queued",
    QUEUED2,
    "email.sending_started",
    STARTED2,
    "email.sent",  # em_1
    "email.failed",  # em_2
    "email.received",
    "email.raw_received",
    "workspace.channel_deleted",
    "workspace.user_deleted",
]
STORY: list[Step] = [example(s) if isinstance(s, str) else s for s in _ORDER]


def sections() -> list[tuple[str, list[dict[str, Any]]]]:
    """Each type with its steps' data, in story order; every type of the catalogue once."""
    found: list[tuple[str, list[dict[str, Any]]]] = []
    for type_, data in STORY:
        if found and found[-1][0] == type_:
            found[-1][1].append(data)
        elif any(t == type_ for t, _ in found):
            raise ValueError(f"the story tells {type_} twice, apart: its steps must be together")
        else:
            found.append((type_, [data]))
    missing = set(COMMANDS) - {t for t, _ in found}
    if missing:
        raise ValueError(f"the story leaves out {sorted(missing)}")
    return found
