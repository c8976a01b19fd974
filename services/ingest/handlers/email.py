"""Handlers of `email.*` envelopes. Matching addresses to contacts happens here, at
ingest, so every event records the contacts it was matched to (docs/email.md)."""

from __future__ import annotations

import base64
import binascii

from adapters.mail.html_text import html_to_text
from adapters.mail.parse import (
    BODY_LIMIT,
    SNIPPET_SIZE,
    Unparseable,
    clean,
    normalise_message_id,
    parse,
)
from domain.contact import Contact
from domain.email_values import (
    Address,
    AttachmentInfo,
    Link,
    MailboxRef,
    Recipient,
    Refusal,
    address_key,
)
from domain.incoming_email import IncomingEmail
from domain.outgoing_email import OutgoingEmail
from domain.shared import EventMeta, RuleViolation
from services.ingest.contracts import email as c
from services.ingest.handlers.lookup import current_contact
from services.ingest.unit_of_work import UnitOfWork


def contacts_with(uow: UnitOfWork, meta: EventMeta, addresses: list[str]) -> tuple[str, ...]:
    """The current contacts (merges followed, deleted ones left out) that have one of the
    addresses now, compared case-insensitively across all of each contact's addresses."""
    wanted = {address_key(a) for a in addresses}
    lookup = getattr(uow.store, "contacts_with_addresses", None)
    candidates = {
        i for ids in (lookup(meta.workspace_id, wanted) if lookup else {}).values() for i in ids
    }
    for key in list(uow.touched):  # contacts added or changed earlier in this batch
        aggregate = uow.cache.get(key)
        if isinstance(aggregate, Contact) and aggregate.workspace_id == meta.workspace_id:
            candidates.add(aggregate.contact_id)
    found = set()
    for contact_id in sorted(candidates):
        candidate = uow.find(Contact.id_for(meta.workspace_id, contact_id))
        if candidate is None or not wanted & {address_key(e) for e in candidate.emails}:
            continue
        current = current_contact(uow, meta, contact_id)
        if current is not None:
            found.add(current.contact_id)
    return tuple(sorted(found))


def _email(uow: UnitOfWork, meta: EventMeta, email_id: str) -> OutgoingEmail:
    return uow.require(OutgoingEmail.id_for(meta.workspace_id, email_id), "email", "data.email_id")


def drafted(uow: UnitOfWork, meta: EventMeta, d: c.Drafted) -> None:
    if uow.find(OutgoingEmail.id_for(meta.workspace_id, d.email_id)) is not None:
        return  # drafted once; a repeat records nothing
    recipients = tuple(Recipient(r.address, r.name, r.kind) for r in d.recipients)
    link = Link(d.link_type, d.link_id) if d.link_type and d.link_id else None
    mailbox = MailboxRef(d.mailbox_id, d.owner_user_id, d.team_id or meta.team_id, d.from_address)
    email = OutgoingEmail.draft(
        meta,
        d.email_id,
        mailbox=mailbox,
        recipients=recipients,
        subject=d.subject,
        content=d.content,
        content_type=d.content_type,
        link=link,
        contact_ids=contacts_with(uow, meta, [r.address for r in recipients]),
    )
    uow.add(email)


def queued(uow: UnitOfWork, meta: EventMeta, d: c.EmailRef) -> None:
    _email(uow, meta, d.email_id).queue(meta)


def sending_started(uow: UnitOfWork, meta: EventMeta, d: c.SendingStarted) -> None:
    _email(uow, meta, d.email_id).start_sending(meta, d.attempt)


def _refusals(d: c.Sent | c.Failed) -> tuple[Refusal, ...]:
    return tuple(Refusal(r.address, r.error) for r in d.refused)


def sent(uow: UnitOfWork, meta: EventMeta, d: c.Sent) -> None:
    email = _email(uow, meta, d.email_id)
    email.check_move("sent")  # before matching, which loads contacts
    refused = {address_key(r.address) for r in d.refused}
    reached = [r.address for r in email.recipients if address_key(r.address) not in refused]
    contacts = set(contacts_with(uow, meta, reached))
    if email.link and email.link.type == "contact":
        linked = current_contact(uow, meta, email.link.id)
        if linked is not None:
            contacts.add(linked.contact_id)
    text = email.content if "<" not in email.content else html_to_text(email.content)
    email.mark_sent(
        meta,
        contact_ids=tuple(sorted(contacts)),
        snippet=" ".join(text.split())[:SNIPPET_SIZE],
        server_response=d.server_response,
        refused=_refusals(d),
        confirmed_by=d.confirmed_by,
    )


def failed(uow: UnitOfWork, meta: EventMeta, d: c.Failed) -> None:
    _email(uow, meta, d.email_id).mark_failed(
        meta, d.error, code=d.code, refused=_refusals(d), outcome_unknown=d.outcome_unknown
    )


def _address(a: c.AddressIn) -> Address:
    return Address(a.address, a.name)


def _record(uow: UnitOfWork, meta: EventMeta, mailbox_id: str, message_id: str, **fields) -> None:
    if uow.find(IncomingEmail.id_for(meta.workspace_id, mailbox_id, message_id)) is not None:
        return  # the same Message-ID in this mailbox: recorded once, whichever path
    contact_ids = contacts_with(uow, meta, [fields["sender"].address])
    uow.add(IncomingEmail.receive(meta, mailbox_id, message_id, contact_ids=contact_ids, **fields))


def received(uow: UnitOfWork, meta: EventMeta, d: c.Received) -> None:
    body = clean(d.body) or ""
    snippet = d.snippet if d.snippet is not None else " ".join(body[:4000].split())
    _record(
        uow,
        meta,
        d.mailbox_id,
        normalise_message_id(d.message_id) or d.message_id,
        sender=_address(d.sender),
        to=tuple(_address(a) for a in d.to),
        cc=tuple(_address(a) for a in d.cc),
        subject=d.subject,
        sent_at=d.sent_at,
        snippet=snippet[:SNIPPET_SIZE],
        body=body[:BODY_LIMIT],
        body_truncated=len(body) > BODY_LIMIT,
        attachments=tuple(AttachmentInfo(a.name, a.content_type, a.size) for a in d.attachments),
        in_reply_to=d.in_reply_to,
        via="parsed",
    )


def raw_received(uow: UnitOfWork, meta: EventMeta, d: c.RawReceived) -> None:
    try:
        raw = base64.b64decode(d.raw, validate=True)
    except (binascii.Error, ValueError) as e:
        raise RuleViolation("email.raw_base64", f"is not base64: {e}", field="data.raw") from e
    try:
        p = parse(raw)
    except Unparseable as e:
        raise RuleViolation("email.unparseable", e.reason, field="data.raw") from e
    _record(
        uow,
        meta,
        d.mailbox_id,
        p.message_id,
        sender=Address(p.sender.address, p.sender.name),
        to=tuple(Address(a.address, a.name) for a in p.to),
        cc=tuple(Address(a.address, a.name) for a in p.cc),
        subject=p.subject,
        sent_at=p.sent_at,
        snippet=p.snippet,
        body=p.body,
        body_truncated=p.body_truncated,
        attachments=tuple(AttachmentInfo(a.name, a.content_type, a.size) for a in p.attachments),
        in_reply_to=p.in_reply_to,
        via=d.via,
    )
