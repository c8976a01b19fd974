"""The events table, and the statements the store's own writers run on it: the insert,
the ingest catch-up, the Merkle tree's catch-up and the address index's backfill.

A leaf module (it imports nothing of Chronicle): the modules that write beside the events
in the insert transaction (merkle_store.py, address_index.py) read the table from here,
and the recorder imports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg.rows import tuple_row
from psycopg.sql import SQL

EVENTS_TABLE = "chronicle_events"
# The library's LISTEN/NOTIFY channel: its recorder names it after the events table
# (tests/unit/test_eventstore_seam.py checks that it still does).
CHANNEL = EVENTS_TABLE
COLUMNS = "notification_id, originator_id, originator_version, topic, state"

# The events as four binary arrays, not the library's one array of a composite type,
# which psycopg dumps as text, value by value, in Python.
_INSERT = SQL(
    f"INSERT INTO {EVENTS_TABLE} (originator_id, originator_version, topic, state) "
    "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
    "RETURNING notification_id"
)
# One index probe per aggregate, whatever the planner knows of the table: as a plain
# join, a store never analyzed (autovacuum off) was read whole, every batch. OFFSET 0
# keeps the lateral subquery from being flattened into that join.
_AFTER_VERSIONS = SQL(
    "SELECT e.originator_id, e.originator_version, e.topic, e.state "
    "FROM unnest(%b::uuid[], %b::bigint[]) AS v(id, after) "
    "CROSS JOIN LATERAL (SELECT x.originator_id, x.originator_version, x.topic, "
    f"x.state FROM {EVENTS_TABLE} x WHERE x.originator_id = v.id AND x.originator_version "
    "> v.after OFFSET 0) e ORDER BY e.originator_id, e.originator_version"
)
_CHAINED = SQL(
    "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state "
    f"FROM event_chain c JOIN {EVENTS_TABLE} e USING (notification_id) "
    "WHERE c.workspace_id = %s AND c.notification_id > %s AND c.notification_id < %s "
    "ORDER BY c.notification_id LIMIT %s"
)


def insert(curs: Any, stored_events: Sequence[StoredEvent]) -> None:
    """Insert events (the table locked): their notification ids are the cursor's rows."""
    columns = (
        [e.originator_id for e in stored_events],
        [e.originator_version for e in stored_events],
        [e.topic for e in stored_events],
        [e.state for e in stored_events],
    )
    curs.execute(_INSERT, columns, prepare=True)


def after_versions(conn: Any, ids: list[UUID], versions: list[int]) -> list[StoredEvent]:
    """Each aggregate's events after the version given for it, by aggregate and version."""
    with conn.cursor(row_factory=tuple_row) as curs:
        curs.execute(_AFTER_VERSIONS, (ids, versions))
        return [StoredEvent(r[0], r[1], r[2], bytes(r[3])) for r in curs.fetchall()]


def lock(curs: Any) -> None:
    """Lock the table as an insert does: no batch is stored until the transaction ends."""
    curs.execute(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE")


def chained(curs: Any, workspace_id: str, after: int, before: int, limit: int) -> list[tuple]:
    """A workspace's rows (position, aggregate, version, wire name, state) in
    (after, before), in log order, at most `limit`."""
    curs.execute(_CHAINED, (workspace_id, after, before, limit))
    return curs.fetchall()


def of_topics(curs: Any, topics: Sequence[str]) -> list[StoredEvent]:
    """Every stored event of these wire names, in log order."""
    curs.execute(
        f"SELECT originator_id, originator_version, topic, state FROM {EVENTS_TABLE} "
        "WHERE topic = ANY(%s) ORDER BY notification_id",
        (list(topics),),
    )
    return [StoredEvent(r[0], r[1], r[2], bytes(r[3])) for r in curs.fetchall()]
