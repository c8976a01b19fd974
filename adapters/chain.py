"""Tamper evidence: every stored event is hashed into its workspace's chain.

hash(n) = SHA-256(prev || position || aggregate id || version || wire name || state), with
lengths prefixed, and prev = the hash of the workspace's previous event (or of the
workspace's name, for its first). A chain row keeps (position, workspace, prev, hash), so
`verify` can tell an edited event (its hash no longer matches) from a missing or moved one
(the links no longer meet). Per workspace, not one chain for the whole log: an auditor of
one workspace verifies its export without anyone else's events (docs/auditing.md), and
the chain covers the stored bytes, personal values sealed as they are, so erasure by
destroying keys (`chronicle erase`) changes no stored byte and breaks no chain.

Rows are written inside the event store's insert transaction, under the lock the library
takes on the events table, so each workspace's chain grows in commit order.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec
from psycopg.sql import SQL

CHAIN_DDL = [
    """
    CREATE TABLE IF NOT EXISTS event_chain (
        notification_id bigint PRIMARY KEY,
        workspace_id text NOT NULL,
        prev_hash bytea NOT NULL,
        hash bytea NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS event_chain_head ON event_chain "
    "(workspace_id, notification_id DESC)",
    """
    CREATE TABLE IF NOT EXISTS chain_checkpoints (
        id bigserial PRIMARY KEY,
        workspace_id text NOT NULL,
        position bigint NOT NULL,
        hash bytea NOT NULL,
        key_id text NOT NULL,
        signature bytea NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT now()
    )
    """,
]


class _Meta(msgspec.Struct):
    workspace_id: str


class _Workspace(msgspec.Struct):
    meta: _Meta


_workspace = msgspec.json.Decoder(_Workspace)


def workspace_of(state: bytes) -> str:
    return _workspace.decode(state).meta.workspace_id


def genesis(workspace_id: str) -> bytes:
    return hashlib.sha256(b"chronicle-chain\x00" + workspace_id.encode()).digest()


def link(
    prev: bytes, position: int, aggregate_id: UUID, version: int, wire_name: str, state: bytes
) -> bytes:
    topic = wire_name.encode()
    h = hashlib.sha256(prev)
    h.update(struct.pack(">qq", position, version))
    h.update(aggregate_id.bytes)
    h.update(struct.pack(">I", len(topic)) + topic)
    h.update(struct.pack(">Q", len(state)) + state)
    return h.digest()


# One index probe per workspace (the newest chain row), however long its chain is.
_HEADS = SQL(
    "SELECT w.workspace_id, h.hash FROM unnest(%b::text[]) AS w(workspace_id) "
    "CROSS JOIN LATERAL (SELECT hash FROM event_chain c WHERE c.workspace_id = w.workspace_id "
    "ORDER BY c.notification_id DESC LIMIT 1) AS h"
)
_INSERT = SQL(
    "INSERT INTO event_chain (notification_id, workspace_id, prev_hash, hash) "
    "SELECT * FROM unnest(%b::bigint[], %b::text[], %b::bytea[], %b::bytea[])"
)


def extend(curs: Any, stored_events: Sequence[Any], ids: Sequence[int]) -> list[str]:
    """Chain the events just inserted (in the recorder's transaction); their workspaces."""
    if not ids:
        return []
    workspaces = [workspace_of(e.state) for e in stored_events]
    curs.execute(_HEADS, (sorted(set(workspaces)),))
    heads = {row["workspace_id"]: bytes(row["hash"]) for row in curs.fetchall()}
    rows: list[tuple] = []
    for event, position, ws in zip(stored_events, ids, workspaces, strict=True):
        prev = heads.get(ws) or genesis(ws)
        heads[ws] = link(
            prev, position, event.originator_id, event.originator_version, event.topic, event.state
        )
        rows.append((position, ws, prev, heads[ws]))
    curs.execute(_INSERT, [list(column) for column in zip(*rows, strict=True)])
    return workspaces
