"""Fill an event store directly (for relay and projector tests)."""

from __future__ import annotations

from adapters.eventstore import EventStore
from chronicle_tools.workload import Published
from services.ingest.processor import IngestProcessor
from services.ingest.validation import Incoming


def ingest(store: EventStore, messages: list[Published]) -> int:
    """Apply messages as the ingest service would; return how many events were stored."""
    outcomes = IngestProcessor(store).process([Incoming(m.subject, m.body) for m in messages])
    assert all(o.status == "accepted" for o in outcomes), [
        o.reply() for o in outcomes if o.status != "accepted"
    ]
    return sum(o.events for o in outcomes)
