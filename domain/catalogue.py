"""Every aggregate of the domain. Importing this registers all wire names."""

from __future__ import annotations

from domain.contact import Contact
from domain.conversation import Conversation

AGGREGATES = (Contact, Conversation)


def event_classes() -> dict[str, type]:
    """Wire name -> event class, for every event any aggregate can record."""
    found: dict[str, type] = {}
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            topic = getattr(value, "TOPIC", None)
            if isinstance(value, type) and topic and value.__name__ != "Event":
                found[topic] = value
    return found
