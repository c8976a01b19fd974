"""The Contact aggregate: a person a workspace talks to, and how they reached it."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import AggregateCreated, AggregateEvent, BaseAggregate

from domain.shared import EventMeta, RuleViolation, aggregate_id

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


class Contact(BaseAggregate[UUID]):
    TOPIC = "chronicle.aggregate.contact"

    class Event(AggregateEvent):
        meta: EventMeta
        contact_id: str

    class Added(Event, AggregateCreated):
        TOPIC = "contact.added.v1"
        name: str | None
        emails: tuple[str, ...]
        phones: tuple[str, ...]
        source: str

        def apply(self, contact: Contact) -> None:
            contact.workspace_id = self.meta.workspace_id
            contact.contact_id = self.contact_id
            contact.name = self.name
            contact.emails = self.emails
            contact.phones = self.phones
            contact.source = self.source
            contact.connected_channels = set()

    class Connected(Event):
        TOPIC = "contact.connected.v1"
        channel: str
        source: str
        derived: bool

        def apply(self, contact: Contact) -> None:
            contact.connected_channels.add(self.channel)

    def _record(self, event_class: type[Event], meta: EventMeta, **fields: object) -> None:
        self.trigger_event(event_class, meta=meta, contact_id=self.contact_id, **fields)

    @staticmethod
    def id_for(workspace_id: str, contact_id: str) -> UUID:
        return aggregate_id("contact", workspace_id, contact_id)

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
    ) -> Contact:
        if source not in CONTACT_SOURCES:
            raise RuleViolation("contact.source", f"unknown source {source!r}")
        return cls._create(
            cls.Added,
            id=cls.id_for(meta.workspace_id, contact_id),
            meta=meta,
            contact_id=contact_id,
            name=name,
            emails=tuple(emails),
            phones=tuple(phones),
            source=source,
        )

    def connect(self, meta: EventMeta, channel: str, source: str, *, derived: bool = False) -> None:
        """Record that the contact became reachable on `channel`; repeats are no-ops."""
        if source not in CONNECT_SOURCES:
            raise RuleViolation("contact.connect_source", f"unknown source {source!r}")
        if channel in self.connected_channels:
            return
        self._record(self.Connected, meta, channel=channel, source=source, derived=derived)
