"""Which contacts have ever had an email address: the index ingest matches senders with.

Kept by the event store's recorder in the very transaction that stores contact events
(`contact.added` emails, `contact.updated` of `emails`), so it is never behind the log.
It only grows (until an erasure removes the erased contacts' rows): a contact that no
longer has an address, or was deleted or merged, is still listed, and the matcher checks
each candidate against the contact's current state. Rows come from the domain events
(the stored ones hold their addresses sealed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from psycopg.rows import tuple_row

from adapters.eventstore import table
from domain.email_values import address_key
from domain.personal import ERASED

_ADDED, _UPDATED = "contact.added.v1", "contact.updated.v1"
# Created once, with a mark that it is to be filled from the log (`backfill`: the stored
# addresses are sealed, so only the event store, which can open them, fills it).
ADDRESS_DDL = [
    "CREATE TABLE IF NOT EXISTS contact_addresses_backfill (pending boolean)",
    """
    DO $$ BEGIN
    IF to_regclass('contact_addresses') IS NULL THEN
        CREATE TABLE contact_addresses (
            workspace_id text NOT NULL,
            address text NOT NULL,
            contact_id text NOT NULL,
            PRIMARY KEY (workspace_id, address, contact_id));
        INSERT INTO contact_addresses_backfill VALUES (true);
    END IF;
    END $$
    """,
]
_INSERT = (
    "INSERT INTO contact_addresses (workspace_id, address, contact_id) "
    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]) ON CONFLICT DO NOTHING"
)
_SELECT = (
    "SELECT address, contact_id FROM contact_addresses "
    "WHERE workspace_id = %s AND address = ANY(%s) ORDER BY address, contact_id"
)


def addresses_of(wire_name: str, state: dict[str, Any]) -> list[str]:
    """The addresses a contact event gives its contact."""
    if wire_name == _ADDED:
        values = state.get("emails") or []
    elif wire_name == _UPDATED and state.get("field") == "emails":
        new = state.get("new")
        values = new if isinstance(new, list | tuple) else [new] if new else []
    else:
        return []
    return [address_key(v) for v in values if isinstance(v, str) and v.strip() and v != ERASED]


def rows_of(domain_events: Iterable[Any]) -> list[tuple[str, str, str]]:
    """(workspace, address, contact) of the addresses these events give their contacts,
    read from the events themselves (stored, the addresses are sealed)."""
    rows = []
    for event in domain_events:
        topic = getattr(event, "TOPIC", None)
        if topic == _ADDED or (topic == _UPDATED and event.field == "emails"):
            state = {"emails": event.emails} if topic == _ADDED else vars(event)
            for address in addresses_of(topic, state):
                rows.append((event.meta.workspace_id, address, event.contact_id))
    return rows


def index(curs: Any, rows: Sequence[tuple[str, str, str]]) -> None:
    if rows:
        curs.execute(_INSERT, [list(c) for c in zip(*rows, strict=True)], prepare=True)


def backfill(conn: Any, decode: Callable[[list[StoredEvent]], list[Any]], force=False) -> int:
    """Fill the index from the stored contact events if it is marked to be (or `force`:
    after an import), in one transaction; `decode` opens a batch of stored events."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as curs:
        curs.execute("DELETE FROM contact_addresses_backfill RETURNING pending")
        if not (curs.fetchall() or force):
            return 0
        rows = rows_of(decode(table.of_topics(curs, (_ADDED, _UPDATED))))
        index(curs, rows)
    return len(rows)


def lookup(conn: Any, workspace_id: str, addresses: Iterable[str]) -> dict[str, list[str]]:
    """address -> contact ids that have had it (candidates, to be checked)."""
    found: dict[str, list[str]] = {}
    for row in conn.execute(_SELECT, (workspace_id, sorted(set(addresses)))).fetchall():
        found.setdefault(row["address"], []).append(row["contact_id"])
    return found
