"""The IncomingEmail aggregate: one message received in a connected mailbox (seed 000).

Its id is derived from (workspace, mailbox, Message-ID), so the same message reaching
Chronicle again, by any path (a poller, a connector's raw message, a parsed envelope),
lands on the same stream and is recorded once. The sender's contacts are matched when it
is recorded and kept on the event.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import AggregateCreated, AggregateEvent, BaseAggregate

from domain import personal
from domain.email_values import Address, AttachmentInfo
from domain.shared import EventMeta, aggregate_id


class IncomingEmailEvent(AggregateEvent):
    meta: EventMeta
    mailbox_id: str
    message_id: str


class Received(IncomingEmailEvent, AggregateCreated):
    TOPIC = "email.received.v1"
    PERSONAL = ("subject", "snippet", "body", "attachments.name")
    PERSONAL_BY_ADDRESS = (
        "sender.address",
        "sender.name",
        "to.address",
        "to.name",
        "cc.address",
        "cc.name",
    )
    direction: str  # inbound
    sender: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str | None
    sent_at: datetime | None  # the Date header, if it could be read
    snippet: str
    body: str
    body_truncated: bool
    attachments: tuple[AttachmentInfo, ...]
    in_reply_to: str | None
    contact_ids: tuple[str, ...]  # contacts with the sender's address (empty: unknown)
    via: str  # how it came: imap, maildir, gmail, raw (a connector's RFC 5322 bytes), parsed

    def apply(self, e: IncomingEmail) -> None:
        e.workspace_id, e.mailbox_id, e.message_id = (
            self.meta.workspace_id,
            self.mailbox_id,
            self.message_id,
        )
        e.sender, e.contact_ids = self.sender, self.contact_ids


class IncomingEmail(BaseAggregate[UUID]):
    TOPIC = "chronicle.aggregate.incoming_email"
    Event, Received = IncomingEmailEvent, Received

    @staticmethod
    def id_for(workspace_id: str, mailbox_id: str, message_id: str) -> UUID:
        return aggregate_id("incoming_email", workspace_id, f"{mailbox_id}\x1f{message_id}")

    @classmethod
    def receive(
        cls,
        meta: EventMeta,
        mailbox_id: str,
        message_id: str,
        *,
        sender: Address,
        to: tuple[Address, ...] = (),
        cc: tuple[Address, ...] = (),
        subject: str | None = None,
        sent_at: datetime | None = None,
        snippet: str = "",
        body: str = "",
        body_truncated: bool = False,
        attachments: tuple[AttachmentInfo, ...] = (),
        in_reply_to: str | None = None,
        contact_ids: tuple[str, ...] = (),
        via: str = "parsed",
    ) -> IncomingEmail:
        return cls._create(
            cls.Received,
            id=cls.id_for(meta.workspace_id, mailbox_id, message_id),
            meta=meta.about(*map(personal.contact, contact_ids), personal.address(sender.address)),
            mailbox_id=mailbox_id,
            message_id=message_id,
            direction="inbound",
            sender=sender,
            to=tuple(to),
            cc=tuple(cc),
            subject=subject,
            sent_at=sent_at,
            snippet=snippet,
            body=body,
            body_truncated=body_truncated,
            attachments=tuple(attachments),
            in_reply_to=in_reply_to,
            contact_ids=tuple(contact_ids),
            via=via,
        )
