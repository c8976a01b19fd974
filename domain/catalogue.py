"""Every aggregate of the domain. Importing this registers all wire names."""

from __future__ import annotations

from domain.activity import Activity
from domain.contact import Contact
from domain.conversation import Conversation
from domain.incoming_email import IncomingEmail
from domain.outgoing_email import OutgoingEmail
from domain.workspace import Workspace

AGGREGATES = (Contact, Conversation, Activity, OutgoingEmail, IncomingEmail, Workspace)


def event_classes() -> dict[str, type]:
    """Wire name -> event class, for every event any aggregate can record."""
    found: dict[str, type] = {}
    for aggregate in AGGREGATES:
        for name, value in vars(aggregate).items():
            topic = getattr(value, "TOPIC", None)
            if isinstance(value, type) and topic and name != "Event":
                found[topic] = value
    return found
