"""Handlers of `contact.*`, `lead.*` and `activity.*` envelopes."""

from __future__ import annotations

from domain.activity import Activity, Details, Ref
from domain.contact import Contact, Handle
from domain.shared import EventMeta
from services.ingest.contracts import contact as c
from services.ingest.handlers.lookup import activity, contact
from services.ingest.unit_of_work import UnitOfWork

# Activities named after what they came from (the registry preloads them by these names).
TICKET_ACTIVITY, CHAT_ACTIVITY = "ticket-{}", "chat-{}"
LEAD_CONVERSION_ACTIVITY = "lead_conversion-{}"


def added(uow: UnitOfWork, meta: EventMeta, d: c.ContactAdded) -> None:
    if uow.find(Contact.id_for(meta.workspace_id, d.contact_id)) is None:
        handles = tuple(Handle(h.channel, h.handle) for h in d.handles)
        uow.add(
            Contact.add(
                meta,
                d.contact_id,
                source=d.source,
                name=d.name,
                emails=tuple(d.emails),
                phones=tuple(d.phones),
                handles=handles,
            )
        )


def updated(uow: UnitOfWork, meta: EventMeta, d: c.ContactUpdated) -> None:
    new = tuple(d.new) if isinstance(d.new, list) else d.new
    contact(uow, meta, d.contact_id).update(meta, d.field, new)


def connected(uow: UnitOfWork, meta: EventMeta, d: c.ContactConnected) -> None:
    contact(uow, meta, d.contact_id).connect(meta, d.channel, d.source)


def deleted(uow: UnitOfWork, meta: EventMeta, d: c.ContactRef) -> None:
    contact(uow, meta, d.contact_id).delete(meta)


def merged(uow: UnitOfWork, meta: EventMeta, d: c.ContactMerged) -> None:
    primary = contact(uow, meta, d.contact_id)
    others = [contact(uow, meta, m, "data.merged_contact_ids") for m in d.merged_contact_ids]
    primary.absorb(meta, others)


def lead_converted(uow: UnitOfWork, meta: EventMeta, d: c.LeadConverted) -> None:
    """Logged on the contact, and as a lead_conversion activity on both contact and lead."""
    converted = contact(uow, meta, d.contact_id)
    converted.convert_lead(meta, d.lead_id, d.lead_name)
    activity_id = LEAD_CONVERSION_ACTIVITY.format(d.lead_id)
    if uow.find(Activity.id_for(meta.workspace_id, activity_id)) is None:
        details = Details(
            "lead_conversion",
            f"Lead {d.lead_name or d.lead_id} converted",
            None,
            "interaction",
            contact=Ref("contact", d.contact_id, converted.name),
            lead=Ref("lead", d.lead_id, d.lead_name),
        )
        uow.add(Activity.log(meta, activity_id, details))


def _ref(kind: str, id_: str | None, name: str | None) -> Ref | None:
    return Ref(kind, id_, name) if id_ else None


def activity_logged(uow: UnitOfWork, meta: EventMeta, d: c.ActivityLogged) -> None:
    if uow.find(Activity.id_for(meta.workspace_id, d.activity_id)) is not None:
        return
    agent = _ref("user", d.agent_id, d.agent_name) or (
        Ref("user", meta.actor.id, meta.actor.name) if meta.actor.type == "user" else None
    )
    details = Details(
        d.type,
        d.summary,
        d.direction,
        d.source,
        contact=_ref("contact", d.contact_id, d.contact_name),
        lead=_ref("lead", d.lead_id, d.lead_name),
        account=_ref("account", d.account_id, d.account_name),
        agent=agent,
        model=_ref(d.model_type, d.model_id, None) if d.model_type else None,
        first_message=d.first_message,
    )
    uow.add(Activity.log(meta, d.activity_id, details))


def activity_deleted(uow: UnitOfWork, meta: EventMeta, d: c.ActivityRef) -> None:
    activity(uow, meta, d.activity_id).delete(meta)


def ticket_created(uow: UnitOfWork, meta: EventMeta, d: c.TicketCreated) -> None:
    activity_id = TICKET_ACTIVITY.format(d.ticket_id)
    if uow.find(Activity.id_for(meta.workspace_id, activity_id)) is not None:
        return
    subject = contact(uow, meta, d.contact_id)
    details = Details(
        "ticket",
        d.subject,
        "inbound",
        "interaction",
        contact=Ref("contact", d.contact_id, d.contact_name or subject.name),
        account=_ref("account", d.account_id, d.account_name),
        model=Ref("ticket", d.ticket_id),
    )
    uow.add(Activity.log(meta, activity_id, details, Activity.TicketCreated))


def widget_chat_started(uow: UnitOfWork, meta: EventMeta, d: c.WidgetChatStarted) -> None:
    activity_id = CHAT_ACTIVITY.format(d.chat_id)
    if uow.find(Activity.id_for(meta.workspace_id, activity_id)) is not None:
        return
    visitor = uow.find(Contact.id_for(meta.workspace_id, d.contact_id))
    if visitor is None:  # an unknown visitor becomes a contact
        emails = (d.visitor_email,) if d.visitor_email else ()
        visitor = Contact.add(
            meta, d.contact_id, source="incoming_message", name=d.visitor_name, emails=emails
        )
        uow.add(visitor)
    details = Details(
        "chat",
        d.first_message,
        "inbound",
        "interaction",
        contact=Ref("contact", d.contact_id, visitor.name),
        model=Ref("chat", d.chat_id),
        first_message=d.first_message,
    )
    uow.add(Activity.log(meta, activity_id, details, Activity.WidgetChatStarted))
