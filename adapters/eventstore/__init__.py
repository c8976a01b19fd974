"""The event store: every statement on the events table and every use of the
eventsourcing library's internals, behind named functions.

- `port.py`       `AggregateStore`, the port the use cases load and save aggregates through
- `store.py`      `EventStore`, its PostgreSQL implementation (the library's application)
- `connection.py` the library's environment for a database URL
- `fake.py`       `MemoryStore`, its in-memory test double
- `seam.py`       `LibraryRecorder`: the one class touching the library's private methods
- `recorder.py`   what a batch records beside its events, in their transaction
- `records.py`    the envelope ledger, rejects and dead letters it records
- `address_index.py`, `merkle_store.py`, `merkle_catch_up.py`: the contact address index
                  and the workspaces' Merkle trees, kept in that transaction too
- `table.py`      the table's name and the store's own statements on it
- `history.py`    the log as the auditors' use cases read and load it (verify, export, erase)
- `reads.py`      the log as the running services read it (relay, projections, API)
"""

from adapters.eventstore.connection import application_env
from adapters.eventstore.port import AggregateStore
from adapters.eventstore.recorder import ChronicleRecorder
from adapters.eventstore.records import (
    INSERT_DEAD_LETTER,
    INSERT_REJECT,
    DeadLetter,
    EnvelopeRecord,
    RejectRecord,
    dead_letter_row,
    reject_row,
)
from adapters.eventstore.store import EventStore
from adapters.eventstore.table import CHANNEL, EVENTS_TABLE

__all__ = [
    "CHANNEL",
    "EVENTS_TABLE",
    "INSERT_DEAD_LETTER",
    "INSERT_REJECT",
    "AggregateStore",
    "ChronicleRecorder",
    "DeadLetter",
    "EnvelopeRecord",
    "EventStore",
    "RejectRecord",
    "application_env",
    "dead_letter_row",
    "reject_row",
]
