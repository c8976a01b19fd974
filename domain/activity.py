"""The Activity aggregate: one logged interaction (call, email, note, ticket, chat...) on a
contact, lead or account, as the CRM grid and timelines show it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import AggregateCreated, AggregateEvent, BaseAggregate

from domain import personal
from domain.shared import EventMeta, aggregate_id, rule

ACTIVITY_TYPES = (
    "call",
    "email",
    "sms",
    "whatsapp",
    "note",
    "meeting",
    "task",
    "lead_conversion",
    "chat",
    "ticket",
)
ACTIVITY_SOURCES = ("manual", "interaction", "external", "campaign")
DIRECTIONS = ("inbound", "outbound")


@dataclass(frozen=True)
class Ref:
    """A link to a record elsewhere: (`contact`, `c_1`), (`ticket`, `T-9`), ..."""

    type: str
    id: str
    name: str | None = None


@dataclass(frozen=True)
class Details:
    """What an activity says: its kind, who and what it is about, and how it came to be."""

    type: str
    summary: str | None
    direction: str | None
    source: str
    contact: Ref | None = None
    lead: Ref | None = None
    account: Ref | None = None
    agent: Ref | None = None
    model: Ref | None = None  # the interaction it comes from: chat, ticket, email...
    first_message: str | None = None

    def data_subjects(self) -> tuple[str | None, ...]:
        """Whose personal data the activity holds: its contact's and its lead's; an
        account's (a company) only when it names no person."""
        people = (personal.contact(_id(self.contact)), personal.lead(_id(self.lead)))
        return people if any(people) else (personal.account(_id(self.account)),)


def _id(ref: Ref | None) -> str | None:
    return ref.id if ref else None


class ActivityEvent(AggregateEvent):
    meta: EventMeta
    activity_id: str


class Logged(ActivityEvent, AggregateCreated):
    TOPIC = "activity.logged.v1"
    # An account's and an agent's names are a company's and a colleague's, not personal.
    PERSONAL = (
        "details.summary",
        "details.first_message",
        "details.contact.name",
        "details.lead.name",
        "details.model.name",
    )
    details: Details

    def apply(self, a: Activity) -> None:
        a.workspace_id, a.activity_id = self.meta.workspace_id, self.activity_id
        a.details, a.deleted = self.details, False


class TicketCreated(Logged):
    TOPIC = "activity.ticket_created.v1"


class WidgetChatStarted(Logged):
    TOPIC = "activity.widget_chat_started.v1"


class Deleted(ActivityEvent):
    TOPIC = "activity.deleted.v1"

    def apply(self, a: Activity) -> None:
        a.deleted = True


class Activity(BaseAggregate[UUID]):
    TOPIC = "chronicle.aggregate.activity"
    Event, Logged, TicketCreated, WidgetChatStarted, Deleted = (
        ActivityEvent,
        Logged,
        TicketCreated,
        WidgetChatStarted,
        Deleted,
    )

    @staticmethod
    def id_for(workspace_id: str, activity_id: str) -> UUID:
        return aggregate_id("activity", workspace_id, activity_id)

    @classmethod
    def log(
        cls, meta: EventMeta, activity_id: str, details: Details, event_class: type[Logged] = Logged
    ) -> Activity:
        rule(
            details.type in ACTIVITY_TYPES,
            "activity.type",
            f"unknown type {details.type!r}",
            "data.type",
        )
        rule(
            details.source in ACTIVITY_SOURCES,
            "activity.source",
            f"unknown source {details.source!r}",
            "data.source",
        )
        rule(
            details.direction in (None, *DIRECTIONS),
            "activity.direction",
            f"direction must be inbound or outbound, not {details.direction!r}",
            "data.direction",
        )
        rule(
            any((details.contact, details.lead, details.account)),
            "activity.subject",
            "an activity is about a contact, a lead or an account",
            "data.contact_id",
        )
        return cls._create(
            event_class,
            id=cls.id_for(meta.workspace_id, activity_id),
            meta=meta.about(*details.data_subjects()),
            activity_id=activity_id,
            details=details,
        )

    def delete(self, meta: EventMeta) -> None:
        if not self.deleted:
            meta = meta.about(*self.details.data_subjects())
            self.trigger_event(self.Deleted, meta=meta, activity_id=self.activity_id)
