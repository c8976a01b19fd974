"""Every envelope type Chronicle accepts, registered in this one place.

Each `Command` names its envelope `type`, the pydantic model of its `data`, and the
handler that turns it into domain commands. Handlers are thin: look up the aggregate,
call its command method; the aggregate decides what events (if any) follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from domain.contact import Contact
from domain.conversation import Attachment, Conversation
from domain.shared import EventMeta
from services.ingest import contracts as c
from services.ingest.unit_of_work import UnitOfWork

Handler = Callable[[UnitOfWork, EventMeta, Any], None]


@dataclass(frozen=True)
class Command:
    type: str
    data_model: type[BaseModel]
    handle: Handler
    summary: str


# Data fields that name an aggregate: their aggregates are loaded for a whole batch at once.
KEY_FIELDS = {"conversation_id": Conversation, "contact_id": Contact}


def aggregate_keys(meta: EventMeta, data: BaseModel) -> list:
    return [
        aggregate.id_for(meta.workspace_id, value)
        for field, aggregate in KEY_FIELDS.items()
        if isinstance(value := getattr(data, field, None), str)
    ]


def _conversation(uow: UnitOfWork, meta: EventMeta, data: Any) -> Conversation:
    key = Conversation.id_for(meta.workspace_id, data.conversation_id)
    return uow.require(key, "conversation", "data.conversation_id")


def _contact(uow: UnitOfWork, meta: EventMeta, data: Any) -> Contact:
    key = Contact.id_for(meta.workspace_id, data.contact_id)
    return uow.require(key, "contact", "data.contact_id")


def add_contact(uow: UnitOfWork, meta: EventMeta, d: c.ContactAdded) -> None:
    if uow.find(Contact.id_for(meta.workspace_id, d.contact_id)) is None:
        uow.add(
            Contact.add(
                meta,
                d.contact_id,
                source=d.source,
                name=d.name,
                emails=tuple(d.emails),
                phones=tuple(d.phones),
            )
        )


def connect_contact(uow: UnitOfWork, meta: EventMeta, d: c.ContactConnected) -> None:
    _contact(uow, meta, d).connect(meta, d.channel, d.source)


def open_conversation(uow: UnitOfWork, meta: EventMeta, d: c.ConversationOpened) -> None:
    if uow.find(Conversation.id_for(meta.workspace_id, d.conversation_id)) is None:
        uow.add(
            Conversation.open(
                meta,
                d.conversation_id,
                channel=d.channel,
                inbox_id=d.inbox_id,
                contact_id=d.contact_id,
                subject=d.subject,
            )
        )


def _attachments(d: c.ConversationMessage) -> tuple[Attachment, ...]:
    return tuple(Attachment(**a.model_dump()) for a in d.attachments)


def receive_message(uow: UnitOfWork, meta: EventMeta, d: c.ConversationMessage) -> None:
    _conversation(uow, meta, d).receive_message(
        meta, d.message_id, d.body, channel=d.channel, attachments=_attachments(d)
    )


def send_message(uow: UnitOfWork, meta: EventMeta, d: c.ConversationMessage) -> None:
    _conversation(uow, meta, d).send_message(
        meta, d.message_id, d.body, channel=d.channel, attachments=_attachments(d)
    )


def reassign(uow: UnitOfWork, meta: EventMeta, d: c.ConversationReassigned) -> None:
    _conversation(uow, meta, d).reassign(meta, d.to_agent_id, d.to_team_id)


def add_tag(uow: UnitOfWork, meta: EventMeta, d: c.ConversationTag) -> None:
    _conversation(uow, meta, d).add_tag(meta, d.tag)


def remove_tag(uow: UnitOfWork, meta: EventMeta, d: c.ConversationTag) -> None:
    _conversation(uow, meta, d).remove_tag(meta, d.tag)


def resolve(uow: UnitOfWork, meta: EventMeta, d: c.ConversationResolved) -> None:
    _conversation(uow, meta, d).resolve(meta, automatic=d.automatic)


def reopen(uow: UnitOfWork, meta: EventMeta, d: c.ConversationRef) -> None:
    _conversation(uow, meta, d).reopen(meta)


COMMANDS: dict[str, Command] = {
    cmd.type: cmd
    for cmd in (
        Command("contact.added", c.ContactAdded, add_contact, "A contact was added"),
        Command(
            "contact.connected",
            c.ContactConnected,
            connect_contact,
            "A contact became reachable on a channel",
        ),
        Command(
            "conversation.opened",
            c.ConversationOpened,
            open_conversation,
            "A conversation was opened",
        ),
        Command(
            "conversation.message_received",
            c.ConversationMessage,
            receive_message,
            "A message arrived from the contact",
        ),
        Command(
            "conversation.message_sent",
            c.ConversationMessage,
            send_message,
            "A message was sent to the contact",
        ),
        Command(
            "conversation.reassigned",
            c.ConversationReassigned,
            reassign,
            "The conversation moved to another agent and/or team",
        ),
        Command("conversation.tag_added", c.ConversationTag, add_tag, "A tag was added"),
        Command("conversation.tag_removed", c.ConversationTag, remove_tag, "A tag was removed"),
        Command(
            "conversation.resolved",
            c.ConversationResolved,
            resolve,
            "The conversation was resolved (by an agent or automatically)",
        ),
        Command(
            "conversation.reopened",
            c.ConversationRef,
            reopen,
            "A resolved conversation was reopened",
        ),
    )
}
