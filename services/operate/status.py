"""`chronicle status`: where every consumer is, from the store and the streams alone (no
running service or API needed): the store's head, the relay, each projection (and each
of its partitions) with its lag in events and seconds, and the streams' backlogs."""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import psycopg

from adapters import bus
from adapters.eventstore import reads
from projections.engine.source import Slot, backlog
from projections.registry import PROJECTIONS, projection


@dataclass
class Lag:
    name: str
    position: int
    lag_events: int
    lag_seconds: float
    last_progress_at: datetime | None = None
    bus_pending: int | None = None  # messages its durable consumer has still to take
    error: str | None = None  # e.g. a position beyond the store's head: never "lag 0"


@dataclass
class Status:
    head: int
    consumers: list[Lag] = field(default_factory=list)
    streams: dict[str, dict] = field(default_factory=dict)
    # envelopes each ingest consumer has not finished (pending + unacknowledged)
    ingest_backlog: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _seconds(oldest: datetime | None, now: datetime) -> float:
    return round(max((now - oldest).total_seconds(), 0.0), 3) if oldest else 0.0


async def _table_exists(conn, name: str) -> bool:
    cur = await conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
    return (await cur.fetchone())[0]


async def from_store(database_url: str) -> Status:
    now = datetime.now(UTC)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        if not await reads.exists(conn):
            return Status(head=0)
        head = await reads.head(conn)
        status = Status(head)
        if await _table_exists(conn, "relay_position"):
            row = await (
                await conn.execute(
                    "SELECT position, updated_at FROM relay_position WHERE name = 'events'"
                )
            ).fetchone()
            position, at = row or (0, None)
            count, oldest = await backlog(conn, position)
            status.consumers.append(
                _checked(Lag("relay", position, count, _seconds(oldest, now), at), head)
            )
        for name in PROJECTIONS:
            live = projection(name)
            if not await _table_exists(conn, f"{live.schema}.tracking"):
                continue
            marks = await live.watermarks(conn)
            cur = await conn.execute(f"SELECT partition, updated_at FROM {live.schema}.partitions")
            moved = dict(await cur.fetchall())
            if None in marks:
                cur = await conn.execute(
                    f"SELECT updated_at FROM {live.schema}.tracking WHERE projection = %s",
                    (name,),
                )
                moved[None] = (await cur.fetchone())[0]
            for index, position in marks.items():
                slot = None if index is None else Slot(index, len(marks))
                count, oldest = await backlog(conn, position, slot)
                label = name if slot is None else f"{name} p{index}/{len(marks)}"
                lag = Lag(label, position, count, _seconds(oldest, now), moved.get(index))
                status.consumers.append(_checked(lag, head))
    return status


def _checked(lag: Lag, head: int) -> Lag:
    """A consumer past the store's head took a position the store never gave: an error."""
    if lag.position > head:
        lag.error = f"position {lag.position} is beyond the store's head {head}"
    return lag


def _durable(name: str) -> str | None:
    """The durable consumer of the projector host that `chronicle up` runs for it."""
    if name == "relay":
        return None
    _, _, part = name.partition(" p")
    return "chronicle-projectors" + (f"-p{part.split('/')[0]}" if part else "")


async def with_streams(status: Status, nats_url: str) -> Status:
    """Add what the streams say: size of each, and each projection consumer's backlog."""
    nc = await bus.connect(nats_url, "chronicle-status", attempts=3)
    try:
        js = nc.jetstream()
        for stream in (bus.INGEST_STREAM, bus.EVENTS_STREAM, bus.REJECTED_STREAM):
            with contextlib.suppress(Exception):
                info = await js.stream_info(stream)
                status.streams[stream] = {
                    "messages": info.state.messages,
                    "bytes": info.state.bytes,
                    "last_seq": info.state.last_seq,
                    "max_age": info.config.max_age,
                    "max_bytes": info.config.max_bytes,
                }
        with contextlib.suppress(Exception):
            for info in await js.consumers_info(bus.INGEST_STREAM):
                if info.name.startswith(bus.ingest_durable(None)):
                    status.ingest_backlog[info.name] = info.num_pending + info.num_ack_pending
        for lag in status.consumers:
            durable = _durable(lag.name)
            if durable:
                with contextlib.suppress(Exception):
                    info = await js.consumer_info(bus.EVENTS_STREAM, durable)
                    lag.bus_pending = info.num_pending + info.num_ack_pending
    finally:
        await nc.close()
    return status


def render(status: Status) -> str:
    lines = [f"store head: position {status.head}", ""]
    header = f"{'consumer':<28} {'position':>10} {'lag events':>11} {'lag s':>9} {'on bus':>7}"
    lines += [header, "-" * len(header)]
    for c in status.consumers:
        pending = "-" if c.bus_pending is None else str(c.bus_pending)
        lines.append(
            f"{c.name:<28} {c.position:>10} {c.lag_events:>11} {c.lag_seconds:>9.1f} {pending:>7}"
            + (f"  ERROR: {c.error}" if c.error else "")
        )
    for durable, pending in sorted(status.ingest_backlog.items()):
        lines.append(f"{'ingest (' + durable + ')':<28} {'':>10} {pending:>11} {'':>9} {'':>7}")
    if status.streams:
        lines += ["", f"{'stream':<16} {'messages':>10} {'bytes':>14} {'max age s':>10}"]
        for name, s in status.streams.items():
            lines.append(f"{name:<16} {s['messages']:>10} {s['bytes']:>14} {s['max_age']:>10.0f}")
    return "\n".join(lines)
