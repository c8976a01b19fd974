"""The mailbox ports: how Chronicle sends through, and reads from, a connected mailbox.

`MailSender` is what the sender service needs (SMTP, or the Gmail API with the mailbox's
OAuth grant), `MailReader` what the poller needs (IMAP, Maildir, Gmail's history API).
Connection settings and secrets stay in the adapters and the `email_mailboxes` table,
never in events.
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
    reached), `code` its reply code when it gave one. `outcome_unknown`: the server's answer
    was lost or unclear and the message may have gone out all the same."""

    def __init__(
        self,
        error: str,
        code: int | None = None,
        refused: tuple[tuple[str, str], ...] = (),
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(error)
        self.error, self.code, self.refused = error, code, refused
        self.outcome_unknown = outcome_unknown


class ReconnectNeeded(SendFailed):
    """The mailbox's grant is gone (revoked, expired, or missing a scope): nothing was sent
    or read, and nothing will be until a person connects the mailbox again."""


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
    """Readers whose position can move without a message (Gmail: the mailbox's history id)
    also set `settled_cursor` in `new_messages`: where to resume once every message it
    returned is handled (None: keep the cursor of the last handled message)."""

    def new_messages(
        self, cursor: dict[str, Any] | None, known: Callable[[list[str]], set[str]], limit: int
    ) -> list[Fetched]:
        """Messages after `cursor` (None: from the start) whose keys `known` does not list,
        oldest first, at most `limit`."""
        ...
