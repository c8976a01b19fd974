"""What a projector host believes of a batch from the events stream: only the messages
that are Chronicle's own, each decoded once for every hosted model.

A message is Chronicle's when its MAC verifies for the stream sequence it arrived at
(adapters/bus/auth.py) and its position is within the store. Anything else (forged,
altered, replayed at another sequence, or claiming a position the store does not have)
is parked as a dead letter with the reason, and left out: the event really at that
place, if any, is read from the store like any other gap."""

from __future__ import annotations

from uuid import UUID

import msgspec
import structlog
from nats.aio.msg import Msg
from psycopg import AsyncConnection

from adapters import bus
from adapters.bus import auth as bus_auth
from adapters.bus.pull import delivery
from adapters.eventstore import INSERT_DEAD_LETTER, DeadLetter, dead_letter_row, reads
from projections.engine.base import Recorded
from projections.engine.group import GroupRunner
from projections.engine.source import Slot, decode, keys_for, skipped

log = structlog.get_logger()


class BatchReader:
    def __init__(self, key: bytes, group: GroupRunner, slot: Slot | None, partitions: int):
        self.key, self.group, self.slot, self.partitions = key, group, slot, partitions
        self.head = 0  # the store's head, as last read
        self.last_genuine = 0  # the furthest position a genuine message named
        self.parked = 0

    async def read(
        self, conn: AsyncConnection, raws: list[Msg], durable: str
    ) -> list[tuple[int, Recorded]]:
        """(previous position, event) for each genuine message, in stream order."""
        signed = []
        for raw in raws:
            seq, _ = delivery(raw)
            headers = raw.headers or {}
            reason = bus_auth.check(self.key, seq, headers, raw.data)
            want = reason is None and self.group.wants(headers[bus.WIRE_NAME])
            signed.append((raw, seq, headers, reason, want))
        # The store's head (when a message claims more than we saw) and the keys of what
        # we may decode are asked at once: one round trip. A key read for a message found
        # beyond the head is only left unused.
        claims = [int(h[bus.POSITION]) for _, _, h, reason, _ in signed if reason is None]
        async with conn.pipeline():
            looked = None
            if claims and max(claims) > self.head:
                looked = conn.cursor()
                await looked.execute(reads.HEAD)
            keys = await keys_for(conn, (raw.data for raw, *_, want in signed if want))
            if looked is not None:
                self.head = max(self.head, (await looked.fetchone())[0] or 0)
        genuine = []
        for raw, seq, headers, reason, want in signed:
            if reason is None and int(headers[bus.POSITION]) > self.head:
                reason = (
                    f"position {headers[bus.POSITION]} is beyond the store's head ({self.head})"
                )
            if reason is None:
                genuine.append((headers, raw.data, want))
            else:
                await park_message(conn, f"bus:{durable}", raw, seq, headers, reason)
                self.parked += 1
        pairs = []
        for h, data, want in genuine:
            place = int(h[bus.POSITION]), UUID(h[bus.AGGREGATE_ID]), int(h[bus.VERSION])
            wire = h[bus.WIRE_NAME]
            recorded = (
                decode(self.group.mapper, *place, wire, data, keys)
                if want
                else skipped(*place, wire)
            )
            pairs.append((self._previous(h, recorded.position), recorded))
            log.debug(
                "projectors.event",
                position=recorded.position,
                correlation_id=h.get(bus.CORRELATION_ID),
                partition=str(self.slot) if self.slot else None,
            )
        if pairs:
            self.last_genuine = max(self.last_genuine, pairs[-1][1].position)
        return pairs

    def _previous(self, headers: dict[str, str], position: int) -> int:
        """The event before this one in our partition, as the relay stamped it; an event
        stamped for other partitions (relayed before the number changed) says nothing, and
        whatever of ours precedes it is filled from the store."""
        stamped = headers.get(bus.PARTITION, "0/1")
        ours = f"{self.slot.index if self.slot else 0}/{self.partitions}"
        return int(headers[bus.PREVIOUS_POSITION]) if stamped == ours else position - 1


async def park_message(
    conn: AsyncConnection, consumer: str, raw: Msg, seq: int, headers: dict, reason: str
) -> None:
    """A message that is not Chronicle's, kept with why (`chronicle dlq list`)."""
    meta = _meta(raw.data or b"")
    dead = DeadLetter(
        consumer,
        seq,
        None,  # whatever position it claims is not believed
        meta.get("workspace_id"),
        meta.get("envelope_id"),
        raw.subject,
        headers.get(bus.WIRE_NAME),
        raw.data or b"",
        {k: str(v) for k, v in headers.items()},
        f"not Chronicle's: {reason}",
        1,
    )
    await conn.execute(INSERT_DEAD_LETTER, dead_letter_row(dead))
    log.warning("projectors.not_genuine", stream_seq=seq, subject=raw.subject, reason=reason)


async def park_event(conn: AsyncConnection, consumer: str, row: tuple, error: Exception) -> None:
    """A stored event a model failed on, after bounded retries (`chronicle dlq replay`)."""
    position, _, _, wire_name, state = row
    meta = _meta(bytes(state))
    dead = DeadLetter(
        consumer,
        None,
        position,
        meta.get("workspace_id"),
        meta.get("envelope_id"),
        None,
        wire_name,
        bytes(state),
        None,
        repr(error),
        3,
    )
    await conn.execute(INSERT_DEAD_LETTER, dead_letter_row(dead))
    log.error("projectors.parked", consumer=consumer, position=position, error=repr(error))


def _meta(state: bytes) -> dict:
    """The event's meta if it decodes as JSON at all (a dead letter's best description)."""
    try:
        meta = msgspec.json.decode(state).get("meta")
    except (msgspec.DecodeError, AttributeError):
        return {}
    return meta if isinstance(meta, dict) else {}
