"""The log as the auditors' use cases read and load it (blocking connections): verify's
walk, export's selection, import's bulk load, erasure's scans.

Rows come as export and verify take them: (position, aggregate id, version, wire name,
stored bytes, workspace, previous hash, hash); the chain's columns are NULL for an event
whose link is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from uuid import UUID

import psycopg

from adapters.eventstore.table import EVENTS_TABLE

CHAINED = (
    "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state, "
    f"c.workspace_id, c.prev_hash, c.hash FROM {EVENTS_TABLE} e "
    "LEFT JOIN event_chain c USING (notification_id)"
)
_WALK = (
    "SELECT coalesce(e.notification_id, c.notification_id), e.originator_id, "
    "e.originator_version, e.topic, e.state, c.workspace_id, c.prev_hash, c.hash "
    f"FROM {EVENTS_TABLE} e FULL OUTER JOIN event_chain c USING (notification_id) "
    "WHERE %s::text IS NULL OR c.workspace_id = %s ORDER BY 1"
)


def head(conn: psycopg.Connection) -> int:
    """The last position stored (0: none)."""
    return conn.execute(f"SELECT max(notification_id) FROM {EVENTS_TABLE}").fetchone()[0] or 0


def is_empty(conn: psycopg.Connection) -> bool:
    return conn.execute(f"SELECT 1 FROM {EVENTS_TABLE} LIMIT 1").fetchone() is None


def walk(conn: psycopg.Connection, workspace: str | None) -> Iterator[tuple]:
    """Every event and every chain link (of a workspace), in log order: an event without
    its link, or a link without its event, comes with the other side NULL."""
    with conn.cursor(name="verify") as cur:  # server-side: the log may be large
        cur.itersize = 5000
        cur.execute(_WALK, (workspace, workspace))
        yield from cur


def select(workspace: str | None, aggregate: UUID | None, type_: str | None) -> tuple[str, list]:
    """SQL and parameters of the matching chained rows, in log order (`type_`: a wire
    name, conversation.resolved.v1, or a type of any version, conversation.resolved)."""
    where, params = ["true"], []
    if workspace:
        where.append("c.workspace_id = %s")
        params.append(workspace)
    if aggregate:
        where.append("e.originator_id = %s")
        params.append(aggregate)
    if type_:
        where.append("(e.topic = %s OR regexp_replace(e.topic, '[.]v[0-9]+$', '') = %s)")
        params += [type_, type_]
    return f"{CHAINED} WHERE {' AND '.join(where)} ORDER BY e.notification_id", params


def copy_in(cur: psycopg.Cursor, events: Iterable[tuple]) -> None:
    """Load rows (position, aggregate id, version, wire name, state) as they are."""
    with cur.copy(
        f"COPY {EVENTS_TABLE} (notification_id, originator_id, originator_version, topic, "
        "state) FROM STDIN"
    ) as copy:
        for row in events:
            copy.write_row(row)


def continue_after_load(conn: psycopg.Connection) -> None:
    """After rows were loaded with their positions: the next insert takes the next one."""
    conn.execute(
        f"SELECT setval(pg_get_serial_sequence('{EVENTS_TABLE}', 'notification_id'), "
        f"(SELECT coalesce(max(notification_id), 1) FROM {EVENTS_TABLE}))"
    )


def holding(curs: Any, workspace_id: str, after: int, needle: bytes) -> list[Any]:
    """A workspace's rows (notification_id, state) after `after` whose stored bytes
    contain `needle`, in log order."""
    curs.execute(
        f"SELECT e.notification_id, e.state FROM {EVENTS_TABLE} e JOIN event_chain c "
        "USING (notification_id) WHERE c.workspace_id = %s AND e.notification_id > %s "
        "AND position(%s::bytea IN e.state) > 0 ORDER BY e.notification_id",
        (workspace_id, after, needle),
    )
    return curs.fetchall()


def states(conn: psycopg.Connection, wire_name: str) -> list[bytes]:
    """The stored bytes of every event of a wire name, in log order."""
    rows = conn.execute(
        f"SELECT state FROM {EVENTS_TABLE} WHERE topic = %s ORDER BY notification_id",
        (wire_name,),
    ).fetchall()
    return [bytes(state) for (state,) in rows]
