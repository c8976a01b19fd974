"""Values shared by the email aggregates: addresses, mailboxes, links, attachments."""

from __future__ import annotations

from dataclasses import dataclass

RECIPIENT_KINDS = ("to", "cc", "bcc")


def address_key(address: str) -> str:
    """How Chronicle compares email addresses: case-insensitively, spaces trimmed."""
    return address.strip().lower()


@dataclass(frozen=True)
class Address:
    address: str
    name: str | None = None


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str | None
    kind: str  # to | cc | bcc


@dataclass(frozen=True)
class MailboxRef:
    """The connected user mailbox an email goes out of: its id, owner and team. How to
    connect to it (hosts, secrets) is never part of an event."""

    mailbox_id: str
    owner_user_id: str | None
    team_id: str | None
    address: str | None = None


@dataclass(frozen=True)
class Link:
    """Any record the email is about: (`contact`, `c_1`), (`ticket`, `T-9`), ..."""

    type: str
    id: str


@dataclass(frozen=True)
class AttachmentInfo:
    name: str | None
    content_type: str
    size: int


@dataclass(frozen=True)
class Refusal:
    """A recipient the server would not take, with its answer."""

    address: str
    error: str
