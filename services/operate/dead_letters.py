"""`chronicle dlq`: list what was parked, and replay it once the cause is fixed.

- an ingest dead letter is published again on its subject (without its Nats-Msg-Id, which
  JetStream may still remember, and with `Chronicle-Replay-Of`); the envelope ledger keeps
  it idempotent, and should it fail again it is parked again;
- a projection dead letter is re-applied to that projection from the event store. Its
  position was passed, so later events are already applied: for projections whose rows
  depend on order, `chronicle rebuild` is the exact remedy (docs/reliability.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from adapters import bus
from adapters.mapper import MsgspecMapper
from projections.engine.source import decode_rows, read_rows
from projections.registry import projection

REPLAY_OF = "Chronicle-Replay-Of"


@dataclass(frozen=True)
class Replayed:
    id: int
    consumer: str
    ok: bool
    detail: str


def list_dead_letters(database_url: str, include_replayed: bool = False) -> list[dict]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT id, consumer, parked_at, workspace_id, envelope_id, position, stream_seq, "
            "type, attempts, error, replayed_at FROM dead_letters "
            + ("" if include_replayed else "WHERE replayed_at IS NULL ")
            + "ORDER BY id"
        ).fetchall()


async def replay(database_url: str, nats_url: str | None, ids: list[int]) -> list[Replayed]:
    results = []
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for dead_id in ids:
            async with conn.cursor(row_factory=dict_row) as cur:
                await cur.execute(
                    "SELECT * FROM dead_letters WHERE id = %s AND replayed_at IS NULL", (dead_id,)
                )
                row = await cur.fetchone()
            if row is None:
                results.append(Replayed(dead_id, "?", False, "no such unreplayed dead letter"))
                continue
            try:
                if row["consumer"] == "ingest":
                    detail = await _republish(nats_url, row)
                else:
                    detail = await _reapply(conn, row)
            except Exception as error:
                results.append(Replayed(dead_id, row["consumer"], False, repr(error)))
                continue
            await conn.execute(
                "UPDATE dead_letters SET replayed_at = now() WHERE id = %s", (dead_id,)
            )
            results.append(Replayed(dead_id, row["consumer"], True, detail))
    return results


async def _republish(nats_url: str | None, row: dict) -> str:
    if not nats_url:
        raise RuntimeError("set CHRONICLE_NATS_URL to replay ingest dead letters")
    headers = {k: v for k, v in (row["headers"] or {}).items() if k != bus.MSG_ID}
    headers[REPLAY_OF] = str(row["id"])
    nc = await bus.connect(nats_url, "chronicle-dlq")
    try:
        ack = await nc.jetstream().publish(row["subject"], bytes(row["payload"]), headers=headers)
    finally:
        await nc.close()
    return f"published again on {row['subject']} (stream sequence {ack.seq})"


async def _reapply(conn: psycopg.AsyncConnection, row: dict) -> str:
    name = row["consumer"].removeprefix("projection:")
    target = projection(name)
    runner_rows = [
        r async for rows in read_rows(conn, row["position"] - 1, row["position"]) for r in rows
    ]
    if not runner_rows:
        raise RuntimeError(f"position {row['position']} is not in the event store")

    [event] = await decode_rows(conn, MsgspecMapper(), runner_rows[:1])
    async with conn.transaction(), conn.cursor() as cur:
        await target.apply_all(cur, [event])
    return f"re-applied position {row['position']} to {name}"
