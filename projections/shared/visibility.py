"""Email content: what only callers with email permission may read (seed 000). The one
rule, for every read model, endpoint and live feed; services/api/scope.py applies it.

Email content is
- an email: an activity of type `email`, a sent or received email (an entry's category
  or a grid row's type is `email`);
- everything of a conversation on the email channel: each of its events (the subject,
  the messages, the closed interactions and their first message, the summaries quoting
  them), its summary and its messages;
- a message or a closed interaction on the email channel, whatever its conversation's.

A caller without email permission sees that such an entry happened (its type, when, by
whom, its direction, status and channel), never what it says, and no text filter
matches it: a search over hidden text answers as it would for text that is not there.

Each read model gives the rule its rows' kind and channels, as Python values
(`is_email`) or as SQL expressions (`is_email_sql`, which text filters use).
"""

from __future__ import annotations

from typing import Any

from domain.conversation import Conversation

EMAIL = "email"
HIDDEN = "Email (content hidden: needs email permission)"
KEPT = ("direction", "status", "channel")  # what a hidden entry's details keep
INTERACTION_CLOSED = Conversation.InteractionClosed.TOPIC.rsplit(".", 1)[0]


def is_email(kind: str | None, *channels: str | None) -> bool:
    """Is a row of this kind (activity type or entry category), on these channels (its
    conversation's, its message's, its interaction's), email content?"""
    return kind == EMAIL or EMAIL in channels


def is_email_sql(kind: str | None, *channels: str) -> str:
    """The same rule over SQL expressions; never NULL."""
    terms = [f"{e} IS NOT DISTINCT FROM '{EMAIL}'" for e in (kind, *channels) if e]
    return "(" + " OR ".join(terms) + ")"


def entry_channels(type_: str, details: dict[str, Any]) -> tuple[str | None, ...]:
    """The channels a conversation event names itself: its message's, a closed
    interaction's (an entry's `details` are the event's data)."""
    message = details.get("message")
    return (
        message.get("channel") if isinstance(message, dict) else None,
        details.get("channel") if type_ == INTERACTION_CLOSED else None,
    )


def entry_channels_sql(alias: str = "") -> tuple[str, str]:
    """`entry_channels` over a table of entries with `type` and `details` columns."""
    e = f"{alias}." if alias else ""
    return (
        f"({e}details #>> '{{message,channel}}')",
        f"(CASE WHEN {e}type = '{INTERACTION_CLOSED}' THEN {e}details ->> 'channel' END)",
    )


def hidden(details: dict[str, Any]) -> dict[str, Any]:
    """What a hidden entry's details keep: its direction, status and channel."""
    inner = details.get("details")
    flat = {**details, **inner} if isinstance(inner, dict) else details
    return {k: v for k, v in flat.items() if k in KEPT}
