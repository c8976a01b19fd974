"""`chronicle export` / `chronicle import`: the log as JSON Lines, and back.

Each line is one stored event: its position, aggregate, version, wire name, both clocks,
workspace, actor, envelope id and data (decoded, for people), the stored bytes exactly as
kept (`stored`, so a re-import is byte-identical) and its chain link (`prev`, `hash`).
Exporting streams with a server-side cursor; nothing is held in memory.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any
from uuid import UUID

import msgspec
import psycopg
from tqdm import tqdm

from adapters.chain import genesis, link
from adapters.eventstore import EVENTS_TABLE
from adapters.mapper import MsgspecMapper
from projections.describe import data_of
from projections.source import decode

_encode = msgspec.json.Encoder().encode


def _query(workspace: str | None, aggregate: UUID | None, type_: str | None) -> tuple:
    where, params = ["true"], []
    if workspace:
        where.append("c.workspace_id = %s")
        params.append(workspace)
    if aggregate:
        where.append("e.originator_id = %s")
        params.append(aggregate)
    if type_:
        where.append("(e.topic = %s OR e.topic LIKE %s)")
        params += [type_, type_ + ".v%"]
    sql = (
        f"SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, "
        f"e.state, c.workspace_id, c.prev_hash, c.hash FROM {EVENTS_TABLE} e "
        f"LEFT JOIN event_chain c USING (notification_id) WHERE {' AND '.join(where)} "
        "ORDER BY e.notification_id"
    )
    return sql, params


def lines(
    database_url: str,
    *,
    workspace: str | None = None,
    aggregate: UUID | None = None,
    type_: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """The matching events, oldest first, as export records. `since`/`until` bound the
    time Chronicle recorded them."""
    mapper = MsgspecMapper()
    sql, params = _query(workspace, aggregate, type_)
    with psycopg.connect(database_url) as conn, conn.cursor(name="export") as cur:
        cur.itersize = 5000
        cur.execute(sql, params)
        for position, agg, version, topic, state, _ws, prev, chained in cur:
            event = decode(mapper, position, agg, version, topic, bytes(state)).event
            if (since and event.timestamp < since) or (until and event.timestamp > until):
                continue
            meta = event.meta
            yield {
                "position": position,
                "aggregate_id": str(agg),
                "version": version,
                "wire_name": topic,
                "workspace_id": meta.workspace_id,
                "recorded_at": event.timestamp,
                "occurred_at": meta.occurred_at,
                "actor": meta.actor,
                "team_id": meta.team_id,
                "envelope_id": meta.envelope_id,
                "data": data_of(event),
                "stored": bytes(state).decode(),
                "prev": bytes(prev).hex() if prev else None,
                "hash": bytes(chained).hex() if chained else None,
            }


def export(database_url: str, out: IO[bytes], progress: bool = True, **filters: Any) -> int:
    total = _estimate(database_url)
    bar = tqdm(
        total=total,
        unit="ev",
        desc="exporting",
        file=sys.stderr,
        disable=not progress,
        mininterval=0.5,
    )
    count = 0
    for record in lines(database_url, **filters):
        out.write(_encode(record) + b"\n")
        count += 1
        bar.update(1)
    bar.close()
    return count


def _estimate(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {EVENTS_TABLE}").fetchone()[0]


class ImportError_(Exception):
    """The export cannot be imported as it stands."""


def import_(database_url: str, source: IO[bytes], progress: bool = True) -> int:
    """Load an export into an empty store, positions and bytes unchanged; every chain link
    is recomputed and must equal the exported one."""
    from adapters.migrations import ensure_store

    ensure_store(database_url)
    heads: dict[str, bytes] = {}
    count = 0
    with psycopg.connect(database_url) as conn, conn.transaction():
        if conn.execute(f"SELECT 1 FROM {EVENTS_TABLE} LIMIT 1").fetchone():
            raise ImportError_("the target event store is not empty")
        for line in tqdm(
            source,
            unit="ev",
            desc="importing",
            file=sys.stderr,
            disable=not progress,
            mininterval=0.5,
        ):
            r = msgspec.json.decode(line)
            agg, state, ws = UUID(r["aggregate_id"]), r["stored"].encode(), r["workspace_id"]
            prev = bytes.fromhex(r["prev"]) if r["prev"] else heads.get(ws, genesis(ws))
            chained = link(prev, r["position"], agg, r["version"], r["wire_name"], state)
            if r["hash"] and chained.hex() != r["hash"]:
                raise ImportError_(f"position {r['position']}: the export's hash does not match")
            heads[ws] = chained
            conn.execute(
                f"INSERT INTO {EVENTS_TABLE} (notification_id, originator_id, "
                "originator_version, topic, state) VALUES (%s, %s, %s, %s, %s)",
                (r["position"], agg, r["version"], r["wire_name"], state),
            )
            conn.execute(
                "INSERT INTO event_chain VALUES (%s, %s, %s, %s)",
                (r["position"], ws, prev, chained),
            )
            count += 1
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{EVENTS_TABLE}', 'notification_id'), "
            f"(SELECT coalesce(max(notification_id), 1) FROM {EVENTS_TABLE}))"
        )
    return count
