"""Which contacts have ever had an email address: the index ingest matches senders with.

Kept by the event store's recorder in the very transaction that stores contact events
(`contact.added` emails, `contact.updated` of `emails`), so it is never behind the log.
It only grows: a contact that no longer has an address, or was deleted or merged, is
still listed, and the matcher checks each candidate against the contact's current state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from eventsourcing.persistence import StoredEvent

from domain.email_values import address_key

_ADDED, _UPDATED = "contact.added.v1", "contact.updated.v1"
_STATE = "convert_from(state, 'UTF8')::jsonb"

# Created with a backfill from the stored contact events, once, when the table is new.
ADDRESS_DDL = [
    f"""
    DO $$ BEGIN
    IF to_regclass('contact_addresses') IS NULL THEN
        CREATE TABLE contact_addresses (
            workspace_id text NOT NULL,
            address text NOT NULL,
            contact_id text NOT NULL,
            PRIMARY KEY (workspace_id, address, contact_id));
        INSERT INTO contact_addresses
        SELECT {_STATE} -> 'meta' ->> 'workspace_id', lower(btrim(a.value)),
               {_STATE} ->> 'contact_id'
        FROM chronicle_events,
             jsonb_array_elements_text(CASE
                 WHEN topic = '{_ADDED}' THEN {_STATE} -> 'emails'
                 WHEN jsonb_typeof({_STATE} -> 'new') = 'array' THEN {_STATE} -> 'new'
                 ELSE jsonb_build_array({_STATE} -> 'new') END) AS a(value)
        WHERE topic = '{_ADDED}' OR (topic = '{_UPDATED}' AND {_STATE} ->> 'field' = 'emails')
        ON CONFLICT DO NOTHING;
    END IF;
    END $$
    """
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
    return [address_key(v) for v in values if isinstance(v, str) and v.strip()]


def index(curs: Any, stored_events: Sequence[StoredEvent]) -> None:
    rows = []
    for stored in stored_events:
        if stored.topic in (_ADDED, _UPDATED):
            state = msgspec.json.decode(stored.state)
            for address in addresses_of(stored.topic, state):
                rows.append((state["meta"]["workspace_id"], address, state["contact_id"]))
    if rows:
        curs.execute(_INSERT, [list(c) for c in zip(*rows, strict=True)], prepare=True)


def lookup(conn: Any, workspace_id: str, addresses: Iterable[str]) -> dict[str, list[str]]:
    """address -> contact ids that have had it (candidates, to be checked)."""
    found: dict[str, list[str]] = {}
    for row in conn.execute(_SELECT, (workspace_id, sorted(set(addresses)))).fetchall():
        found.setdefault(row["address"], []).append(row["contact_id"])
    return found
