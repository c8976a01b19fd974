"""The OutgoingEmail aggregate: one email sent from a connected user mailbox, through its
whole life (seed 001): draft -> queued -> sent, or queued -> failed with the error.

Any other move is refused with a rule naming the current and the requested status. A
sender records the start of each attempt before it talks to the server, so an attempt
whose outcome was never recorded is known (`in_doubt`) and never silently repeated.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import AggregateCreated, AggregateEvent, BaseAggregate

from domain import personal
from domain.email_values import Link, MailboxRef, Recipient, Refusal
from domain.shared import EventMeta, aggregate_id, rule

STATUSES = ("draft", "queued", "sent", "failed")
MOVES = {"draft": ("queued",), "queued": ("sent", "failed"), "sent": (), "failed": ()}


class OutgoingEmailEvent(AggregateEvent):
    meta: EventMeta
    email_id: str


class Drafted(OutgoingEmailEvent, AggregateCreated):
    TOPIC = "email.drafted.v1"
    # Shared by everyone on the email; a recipient's own address and name are theirs.
    # The mailbox's address is the workspace's own.
    PERSONAL = ("subject", "content")
    PERSONAL_BY_ADDRESS = ("recipients.address", "recipients.name")
    mailbox: MailboxRef
    recipients: tuple[Recipient, ...]
    subject: str
    content: str
    content_type: str  # text/html | text/plain
    link: Link | None
    message_id: str  # RFC 5322 Message-ID it is sent with, fixed at draft
    contact_ids: tuple[str, ...]  # recipients known as contacts when drafted

    def apply(self, e: OutgoingEmail) -> None:
        e.workspace_id, e.email_id, e.mailbox = self.meta.workspace_id, self.email_id, self.mailbox
        e.recipients, e.subject, e.content = self.recipients, self.subject, self.content
        e.message_id, e.link, e.status = self.message_id, self.link, "draft"
        e.content_type, e.contact_ids = self.content_type, self.contact_ids
        e.attempts, e.in_doubt = 0, False


class Queued(OutgoingEmailEvent):
    TOPIC = "email.queued.v1"

    def apply(self, e: OutgoingEmail) -> None:
        e.status = "queued"


class SendingStarted(OutgoingEmailEvent):
    TOPIC = "email.sending_started.v1"
    attempt: int

    def apply(self, e: OutgoingEmail) -> None:
        e.attempts, e.in_doubt = self.attempt, True


class Sent(OutgoingEmailEvent):
    TOPIC = "email.sent.v1"
    PERSONAL = ("subject", "snippet", "server_response")
    PERSONAL_BY_ADDRESS = ("recipients", "refused.address", "refused.error")
    direction: str  # outbound
    mailbox_id: str
    team_id: str | None
    subject: str
    recipients: tuple[str, ...]
    contact_ids: tuple[str, ...]  # recipients known as contacts when it was sent
    snippet: str
    server_response: str | None
    refused: tuple[Refusal, ...]
    confirmed_by: str  # server | sent_folder

    def apply(self, e: OutgoingEmail) -> None:
        e.status, e.in_doubt = "sent", False


class Failed(OutgoingEmailEvent):
    TOPIC = "email.failed.v1"
    PERSONAL = ("error",)
    PERSONAL_BY_ADDRESS = ("refused.address", "refused.error")
    error: str
    code: int | None
    refused: tuple[Refusal, ...]
    outcome_unknown: bool  # the sender stopped mid-attempt; not resent, to never send twice

    def apply(self, e: OutgoingEmail) -> None:
        e.status, e.in_doubt = "failed", False


class OutgoingEmail(BaseAggregate[UUID]):
    TOPIC = "chronicle.aggregate.outgoing_email"
    Event, Drafted, Queued, SendingStarted = OutgoingEmailEvent, Drafted, Queued, SendingStarted
    Sent, Failed = Sent, Failed

    @staticmethod
    def id_for(workspace_id: str, email_id: str) -> UUID:
        return aggregate_id("outgoing_email", workspace_id, email_id)

    @classmethod
    def draft(
        cls,
        meta: EventMeta,
        email_id: str,
        *,
        mailbox: MailboxRef,
        recipients: tuple[Recipient, ...],
        subject: str,
        content: str,
        content_type: str = "text/html",
        link: Link | None = None,
        contact_ids: tuple[str, ...] = (),
    ) -> OutgoingEmail:
        rule(bool(recipients), "email.recipients", "an email needs a recipient", "data.recipients")
        key = cls.id_for(meta.workspace_id, email_id)
        domain = (mailbox.address or "").rpartition("@")[2] or "chronicle.invalid"
        return cls._create(
            cls.Drafted,
            id=key,
            meta=meta.about(
                *map(personal.contact, contact_ids),
                *(personal.address(r.address) for r in recipients),
            ),
            email_id=email_id,
            mailbox=mailbox,
            recipients=tuple(recipients),
            subject=subject,
            content=content,
            content_type=content_type,
            link=link,
            message_id=f"<{key}@{domain}>",
            contact_ids=tuple(contact_ids),
        )

    def _about(self, meta: EventMeta, also: tuple[str, ...] = ()) -> EventMeta:
        """The email's data subjects: the contacts it was matched to and its recipients'
        addresses (each recipient's own address and name are sealed under theirs alone)."""
        contacts = (*self.contact_ids, *also)
        addresses = (personal.address(r.address) for r in self.recipients)
        return meta.about(*map(personal.contact, contacts), *addresses)

    def check_move(self, to: str) -> None:
        """Refuse a move the status diagram does not allow, naming both statuses."""
        allowed = MOVES[self.status]
        rule(
            to in allowed,
            "email.transition",
            f"an email that is {self.status} cannot become {to} "
            f"(allowed from {self.status}: {', '.join(allowed) or 'nothing'})",
            "type",
        )

    def queue(self, meta: EventMeta) -> None:
        self.check_move("queued")
        self.trigger_event(self.Queued, meta=self._about(meta), email_id=self.email_id)

    def start_sending(self, meta: EventMeta, attempt: int) -> None:
        """Record that attempt `attempt` is about to talk to the server."""
        rule(
            self.status == "queued",
            "email.send_requires_queued",
            f"only a queued email can be sent; this one is {self.status}",
            "type",
        )
        rule(
            not self.in_doubt,
            "email.attempt_in_doubt",
            f"attempt {self.attempts} started and its outcome is not recorded",
            "data.attempt",
        )
        rule(
            attempt == self.attempts + 1,
            "email.attempt_number",
            f"the next attempt is {self.attempts + 1}, not {attempt}",
            "data.attempt",
        )
        self.trigger_event(
            self.SendingStarted, meta=self._about(meta), email_id=self.email_id, attempt=attempt
        )

    def mark_sent(
        self,
        meta: EventMeta,
        *,
        contact_ids: tuple[str, ...],
        snippet: str,
        server_response: str | None = None,
        refused: tuple[Refusal, ...] = (),
        confirmed_by: str = "server",
    ) -> None:
        self.check_move("sent")
        self.trigger_event(
            self.Sent,
            meta=self._about(meta, contact_ids),
            email_id=self.email_id,
            direction="outbound",
            mailbox_id=self.mailbox.mailbox_id,
            team_id=self.mailbox.team_id,
            subject=self.subject,
            recipients=tuple(r.address for r in self.recipients),
            contact_ids=tuple(contact_ids),
            snippet=snippet,
            server_response=server_response,
            refused=tuple(refused),
            confirmed_by=confirmed_by,
        )

    def mark_failed(
        self,
        meta: EventMeta,
        error: str,
        *,
        code: int | None = None,
        refused: tuple[Refusal, ...] = (),
        outcome_unknown: bool = False,
    ) -> None:
        self.check_move("failed")
        self.trigger_event(
            self.Failed,
            meta=self._about(meta),
            email_id=self.email_id,
            error=error,
            code=code,
            refused=tuple(refused),
            outcome_unknown=outcome_unknown,
        )
