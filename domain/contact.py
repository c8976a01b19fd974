"""The Contact aggregate: a person a workspace talks to, how they reached it, and what
became of the record (updated, deleted, merged, converted from a lead)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import AggregateCreated, AggregateEvent, BaseAggregate

from domain import personal
from domain.activity import Ref
from domain.shared import EventMeta, aggregate_id, rule

CONTACT_SOURCES = (
    "user",
    "import",
    "api",
    "incoming_message",
    "echo_message",
    "zapier",
    "make",
    "click_to_chat_ad",
)
CONNECT_SOURCES = (
    "api",
    "incoming_message",
    "echo_message",
    "zapier",
    "make",
    "broadcast",
    "user",
    "click_to_chat_ad",
)
# Changes to these fields appear on the contact's timeline; others are kept, not shown.
SIGNIFICANT_FIELDS = frozenset(
    {"name", "emails", "phones", "handles", "lifecycle_stage", "assignee_id", "company"}
)
Value = str | tuple[str, ...] | None


@dataclass(frozen=True)
class Handle:
    """How the contact is reached on one channel (a WhatsApp number, a Messenger id...)."""

    channel: str
    handle: str


class ContactEvent(AggregateEvent):
    meta: EventMeta
    contact_id: str


class Added(ContactEvent, AggregateCreated):
    TOPIC = "contact.added.v1"
    PERSONAL = ("name", "emails", "phones", "handles.handle")
    name: str | None
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    handles: tuple[Handle, ...]
    source: str

    def apply(self, c: Contact) -> None:
        c.workspace_id, c.contact_id, c.source = (
            self.meta.workspace_id,
            self.contact_id,
            self.source,
        )
        c.fields = {
            "name": self.name,
            "emails": self.emails,
            "phones": self.phones,
            "handles": tuple(f"{h.channel}:{h.handle}" for h in self.handles),
        }
        c.connected_channels, c.leads, c.merged_from = set(), set(), set()
        c.status, c.merged_into = "active", None


class Updated(ContactEvent):
    TOPIC = "contact.updated.v1"
    PERSONAL = ("old", "new")  # any attribute of a person is about that person
    field: str
    old: Value
    new: Value
    significant: bool

    def apply(self, c: Contact) -> None:
        c.fields[self.field] = self.new


class Connected(ContactEvent):
    TOPIC = "contact.connected.v1"
    channel: str
    source: str
    derived: bool  # recorded by Chronicle from a message, not told by a producer

    def apply(self, c: Contact) -> None:
        c.connected_channels.add(self.channel)


class Deleted(ContactEvent):
    TOPIC = "contact.deleted.v1"

    def apply(self, c: Contact) -> None:
        c.status = "deleted"


class MergedInto(ContactEvent):
    TOPIC = "contact.merged_into.v1"
    primary_contact_id: str

    def apply(self, c: Contact) -> None:
        c.status, c.merged_into = "merged", self.primary_contact_id


class MergedFrom(ContactEvent):
    TOPIC = "contact.merged_from.v1"
    merged_contact_ids: tuple[str, ...]

    def apply(self, c: Contact) -> None:
        c.merged_from.update(self.merged_contact_ids)


class LeadConverted(ContactEvent):
    """v2: the lead is a Ref, as every other reference in the catalogue (v1 had `lead_id`
    and `lead_name`; domain/upcasters.py reads v1 events as v2)."""

    TOPIC = "contact.lead_converted.v2"
    PERSONAL = ("lead.name",)
    lead: Ref

    def apply(self, c: Contact) -> None:
        c.leads.add(self.lead.id)


class Erased(ContactEvent):
    """The personal data of this contact (and of those merged into it, its converted
    leads and its addresses) was erased: the keys were destroyed. The events stay, and
    count; their personal fields read as erased. It names what was destroyed (key ids)
    and the events that held data under those keys, so every read model rewrites
    exactly those rows; it holds no personal data itself."""

    TOPIC = "contact.erased.v1"
    subjects: tuple[str, ...]  # the erased subjects other than addresses (ids only)
    addresses: int  # how many email addresses' keys were destroyed too (never named)
    keys: tuple[int, ...]
    positions: tuple[int, ...]

    def apply(self, c: Contact) -> None:
        c.erasures = getattr(c, "erasures", 0) + 1


class Contact(BaseAggregate[UUID]):
    TOPIC = "chronicle.aggregate.contact"
    Event, Added, Updated, Connected, Deleted = ContactEvent, Added, Updated, Connected, Deleted
    MergedInto, MergedFrom, LeadConverted, Erased = MergedInto, MergedFrom, LeadConverted, Erased

    @staticmethod
    def id_for(workspace_id: str, contact_id: str) -> UUID:
        return aggregate_id("contact", workspace_id, contact_id)

    @property
    def name(self) -> str | None:
        return self.fields.get("name")

    @property
    def emails(self) -> tuple[str, ...]:
        return self.fields.get("emails") or ()

    def check_changeable(self, field: str | None = None) -> None:
        """A deleted or merged-away contact takes no more changes."""
        rule(
            self.status != "deleted",
            "contact.deleted",
            f"contact {self.contact_id!r} was deleted",
            field,
        )
        rule(
            self.status != "merged",
            "contact.merged_away",
            f"contact {self.contact_id!r} was merged into {self.merged_into!r}",
            field,
        )

    def _record(self, event_class: type, meta: EventMeta, **fields: object) -> None:
        self.check_changeable()
        self._trigger(event_class, meta, **fields)

    def _trigger(self, event_class: type, meta: EventMeta, *also: str | None, **fields) -> None:
        meta = meta.about(personal.contact(self.contact_id), *also)
        self.trigger_event(event_class, meta=meta, contact_id=self.contact_id, **fields)

    @classmethod
    def add(
        cls,
        meta: EventMeta,
        contact_id: str,
        *,
        source: str,
        name: str | None = None,
        emails: tuple[str, ...] = (),
        phones: tuple[str, ...] = (),
        handles: tuple[Handle, ...] = (),
    ) -> Contact:
        rule(
            source in CONTACT_SOURCES, "contact.source", f"unknown source {source!r}", "data.source"
        )
        return cls._create(
            cls.Added,
            id=cls.id_for(meta.workspace_id, contact_id),
            meta=meta.about(personal.contact(contact_id)),
            contact_id=contact_id,
            name=name,
            emails=tuple(emails),
            phones=tuple(phones),
            handles=tuple(handles),
            source=source,
        )

    def update(self, meta: EventMeta, field: str, new: Value) -> None:
        old = self.fields.get(field)
        if new != old:
            self._record(
                self.Updated,
                meta,
                field=field,
                old=old,
                new=new,
                significant=field in SIGNIFICANT_FIELDS,
            )

    def connect(self, meta: EventMeta, channel: str, source: str, *, derived: bool = False) -> None:
        """Record that the contact became reachable on `channel`; repeats are no-ops."""
        rule(
            source in CONNECT_SOURCES,
            "contact.connect_source",
            f"unknown source {source!r}",
            "data.source",
        )
        if channel not in self.connected_channels:
            self._record(self.Connected, meta, channel=channel, source=source, derived=derived)

    def delete(self, meta: EventMeta) -> None:
        if self.status != "deleted":  # deleting a deleted contact repeats it
            self._record(self.Deleted, meta)

    def absorb(self, meta: EventMeta, merged: list[Contact]) -> None:
        """Merge `merged` into this (primary) contact: each records where it went, this one
        what it took in. Merging one again into the same primary is a repeat."""
        self.check_changeable("data.contact_id")
        fresh: list[Contact] = []
        for m in {m.id: m for m in merged}.values():  # naming one twice merges it once
            rule(
                m.id != self.id,
                "contact.merge_into_self",
                "a contact cannot be merged into itself",
                "data.merged_contact_ids",
            )
            if m.merged_into != self.contact_id:
                m.check_changeable("data.merged_contact_ids")
                fresh.append(m)
        if not fresh:
            return
        for m in fresh:
            m._record(m.MergedInto, meta, primary_contact_id=self.contact_id)
        self._record(self.MergedFrom, meta, merged_contact_ids=tuple(m.contact_id for m in fresh))

    def convert_lead(self, meta: EventMeta, lead_id: str, lead_name: str | None) -> None:
        if lead_id not in self.leads:
            self.check_changeable()
            lead = Ref("lead", lead_id, lead_name)
            self._trigger(self.LeadConverted, meta, personal.lead(lead_id), lead=lead)

    def erased(
        self, meta: EventMeta, subjects: tuple[str, ...], addresses: int, keys, positions
    ) -> None:
        """Record an erasure (services/audit/erasure.py destroys the keys in the same
        transaction). Allowed whatever the contact's status: deleted and merged-away
        contacts' data is erased too."""
        self._trigger(
            self.Erased,
            meta,
            subjects=tuple(subjects),
            addresses=addresses,
            keys=tuple(keys),
            positions=tuple(positions),
        )
