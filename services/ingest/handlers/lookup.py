"""Finding the aggregates an envelope is about."""

from __future__ import annotations

from domain.activity import Activity
from domain.contact import Contact
from domain.conversation import Conversation
from domain.shared import EventMeta
from services.ingest.unit_of_work import UnitOfWork


def conversation(
    uow: UnitOfWork, meta: EventMeta, conversation_id: str, field: str = "data.conversation_id"
) -> Conversation:
    return uow.require(
        Conversation.id_for(meta.workspace_id, conversation_id), "conversation", field
    )


def contact(
    uow: UnitOfWork, meta: EventMeta, contact_id: str, field: str = "data.contact_id"
) -> Contact:
    return uow.require(Contact.id_for(meta.workspace_id, contact_id), "contact", field)


def activity(uow: UnitOfWork, meta: EventMeta, activity_id: str) -> Activity:
    return uow.require(
        Activity.id_for(meta.workspace_id, activity_id), "activity", "data.activity_id"
    )


def current_contact(uow: UnitOfWork, meta: EventMeta, contact_id: str | None) -> Contact | None:
    """The contact as it stands now: following merges to the primary; None if it is unknown
    or deleted."""
    seen: set[str] = set()
    while contact_id and contact_id not in seen:
        seen.add(contact_id)
        found = uow.find(Contact.id_for(meta.workspace_id, contact_id))
        if found is None or found.status == "deleted":
            return None
        if found.status != "merged":
            return found
        contact_id = found.merged_into
    return None
