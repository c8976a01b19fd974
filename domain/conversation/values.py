"""Values that conversation events carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str | None = None
    size: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class Message:
    """One message, as received or sent.

    `source` says how it came or went: `incoming_message` or `echo_message` (imported)
    for received messages; `user`, `api`, `zapier`, `make`, `broadcast`, `workflow` or
    `bot` for sent ones.
    """

    message_id: str
    channel: str
    body: str
    attachments: tuple[Attachment, ...] = ()
    source: str | None = None


@dataclass(frozen=True)
class Viewer:
    """Who viewed a message: the customer (our reply) or a teammate (their message)."""

    type: str  # customer | teammate
    id: str
    name: str | None = None


@dataclass(frozen=True)
class Reminder:
    reminder_id: str
    due_at: datetime | None
    note: str | None
