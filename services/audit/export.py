"""`chronicle export` / `chronicle import`: the log as JSON Lines, and back.

Each line is one stored event: its position, aggregate, version, wire name, both clocks,
workspace, actor, envelope id and data (decoded, for people), the stored bytes exactly as
kept (`stored`, so a re-import is byte-identical) and its chain link (`prev`, `hash`).
Exporting streams with a server-side cursor; nothing is held in memory. The progress bar
counts positions of the log walked, so its rate and ETA hold whatever the filters skip.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any
from uuid import UUID

import msgspec
import psycopg
from tqdm import tqdm

from adapters.chain import genesis, link
from adapters.eventstore import history
from adapters.eventstore.merkle_catch_up import catch_up_all
from adapters.keys import Keys, read_keys
from adapters.mapper import MsgspecMapper
from adapters.migrations import ensure_store
from adapters.sealing import key_ids
from projections.engine.source import decode
from projections.shared.describe import data_of
from services.audit.time_travel import aware

_encode = msgspec.json.Encoder().encode


def line_bytes(line: dict[str, Any]) -> bytes:
    """One export line as written (and as `chronicle import` reads it)."""
    return _encode(line) + b"\n"


COPY_BATCH = 5000


def record(mapper: MsgspecMapper, row: tuple, keys: Keys | None) -> tuple[dict[str, Any], Any]:
    """An export line of a stored row (position, aggregate, version, wire name, state, ws,
    prev, hash), and the decoded event (its personal data opened with `keys`, or erased)."""
    position, agg, version, topic, state, _ws, prev, chained = row
    event = decode(mapper, position, agg, version, topic, bytes(state), keys).event
    meta = event.meta
    return {
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
    }, event


def lines(
    database_url: str,
    *,
    workspace: str | None = None,
    aggregate: UUID | None = None,
    type_: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    walked: Any = None,
) -> Iterator[dict[str, Any]]:
    """The matching events, oldest first, as export records. `since`/`until` bound the
    time Chronicle recorded them (a time without a zone is UTC). `walked(position)` is
    told how far through the log the export is."""
    mapper = MsgspecMapper()
    since, until = aware(since), aware(until)
    sql, params = history.select(workspace, aggregate, type_)
    with psycopg.connect(database_url) as conn, conn.cursor(name="export") as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(5000):
            keys = read_keys(conn, (i for row in rows for i in key_ids(bytes(row[4]))))
            for row in rows:
                line, event = record(mapper, row, keys)
                if walked:
                    walked(row[0])
                if (since and event.timestamp < since) or (until and event.timestamp > until):
                    continue
                yield line


def export(database_url: str, out: IO[bytes], progress: bool = True, **filters: Any) -> int:
    with psycopg.connect(database_url) as conn:
        head = history.head(conn)
    bar = tqdm(
        total=head or 0,
        unit="pos",
        unit_scale=True,
        desc="exporting",
        file=sys.stderr,
        disable=not progress,
        mininterval=0.5,
    )

    def walked(position: int) -> None:
        bar.update(position - bar.n)

    count = 0
    for line in lines(database_url, walked=walked, **filters):
        out.write(line_bytes(line))
        count += 1
        if count % 1000 == 0:
            bar.set_postfix(exported=count, refresh=False)
    bar.update((head or 0) - bar.n)
    bar.set_postfix(exported=count)
    bar.close()
    return count


class ImportError_(Exception):
    """The export cannot be imported as it stands (the command line: exit code 5)."""

    exit_code = 5


def import_(
    database_url: str, source: IO[bytes], progress: bool = True, partial: bool = False
) -> int:
    """Load an export into an empty store, positions and bytes unchanged, in one
    transaction (COPY, in batches). Every chain link is recomputed and must equal the
    exported one; unless `partial`, each workspace's chain must also be whole (every
    line's previous hash is that of the workspace's line before it), so a line left out
    or moved is refused here, not found later."""

    ensure_store(database_url)
    heads: dict[str, bytes] = {}
    last, count = 0, 0
    events: list[tuple] = []
    chains: list[tuple] = []
    with psycopg.connect(database_url) as conn, conn.transaction():
        if not history.is_empty(conn):
            raise ImportError_("the target event store is not empty")
        bar = tqdm(
            total=_size(source),  # bytes: a total and an ETA from the file's size
            unit="B",
            unit_scale=True,
            desc="importing",
            file=sys.stderr,
            disable=not progress,
            mininterval=0.5,
        )
        for number, line in enumerate(source, 1):
            bar.update(len(line))
            try:
                r = msgspec.json.decode(line)
                position, ws = r["position"], r["workspace_id"]
                r["aggregate_id"], r["stored"], r["prev"], r["hash"], r["version"]
            except (msgspec.DecodeError, KeyError, TypeError) as error:
                raise ImportError_(f"line {number}: not an exported event ({error!r})") from None
            if not isinstance(position, int):
                raise ImportError_(f"line {number}: position {position!r} is not a number")
            if position <= last:
                raise ImportError_(f"position {position}: not after {last}; lines out of order")
            agg, state = UUID(r["aggregate_id"]), r["stored"].encode()
            expected = heads.get(ws, genesis(ws))
            prev = bytes.fromhex(r["prev"]) if r["prev"] else expected
            if prev != expected and not partial:
                raise ImportError_(
                    f"position {position}: its previous hash is not that of workspace {ws}'s "
                    "line before it (a line is missing or moved; --partial imports anyway)"
                )
            chained = link(prev, position, agg, r["version"], r["wire_name"], state)
            if r["hash"] and chained.hex() != r["hash"]:
                raise ImportError_(f"position {position}: the export's hash does not match")
            heads[ws], last = chained, position
            events.append((position, agg, r["version"], r["wire_name"], state))
            chains.append((position, ws, prev, chained))
            count += 1
            if len(events) >= COPY_BATCH:
                _copy(conn, events, chains)
        _copy(conn, events, chains)
        history.continue_after_load(conn)
        catch_up_all(conn)  # each workspace's Merkle tree, from the imported events
        bar.close()
    return count


def _size(source: IO[bytes]) -> int | None:
    try:
        return os.fstat(source.fileno()).st_size or None
    except (OSError, ValueError, AttributeError):
        return None  # a pipe: no total


def _copy(conn: psycopg.Connection, events: list[tuple], chains: list[tuple]) -> None:
    with conn.cursor() as cur:
        history.copy_in(cur, events)
        with cur.copy(
            "COPY event_chain (notification_id, workspace_id, prev_hash, hash) FROM STDIN"
        ) as copy:
            for row in chains:
                copy.write_row(row)
    events.clear()
    chains.clear()
