"""The mailbox ports: how Chronicle sends through, and reads from, a connected mailbox.

`MailSender` is what the sender service needs (SMTP today; a Gmail-API adapter would
implement the same two methods with the mailbox's OAuth token), `MailReader` what the
poller needs (IMAP, Maildir; Gmail's history API would fit too). Connection settings and
secrets stay in the adapters and the `email_mailboxes` table, never in events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str
    from_address: str
    from_name: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    subject: str
    content: str
    content_type: str  # text/html | text/plain

    @property
    def recipients(self) -> tuple[str, ...]:
        return (*self.to, *self.cc, *self.bcc)


@dataclass(frozen=True)
class Delivery:
    """The server took the message (for the recipients not in `refused`)."""

    server_response: str
    refused: tuple[tuple[str, str], ...] = ()  # (address, the server's answer)


class SendFailed(Exception):
    """The server did not take the message: `error` is its answer (or why it could not be
    reached), `code` its reply code when it gave one."""

    def __init__(
        self, error: str, code: int | None = None, refused: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(error)
        self.error, self.code, self.refused = error, code, refused


class MailSender(Protocol):
    def send(self, message: OutgoingMessage) -> Delivery:
        """Hand the message to the server once; raise SendFailed if it was not taken."""
        ...

    def was_sent(self, message_id: str) -> bool | None:
        """Whether the mailbox shows the message as sent (its Sent folder); None when this
        adapter cannot tell. Used only for an attempt whose outcome was never recorded."""
        ...


@dataclass(frozen=True)
class Fetched:
    """One message read from a mailbox: `key` names it there for good (IMAP: UIDVALIDITY
    and UID; Maildir: its unique name), `cursor` is where reading resumes after it."""

    key: str
    raw: bytes
    received_at: datetime | None
    cursor: dict[str, Any] | None = field(default=None)


class MailReader(Protocol):
    def new_messages(
        self, cursor: dict[str, Any] | None, known: Callable[[list[str]], set[str]], limit: int
    ) -> list[Fetched]:
        """Messages after `cursor` (None: from the start) whose keys `known` does not list,
        oldest first, at most `limit`."""
        ...
