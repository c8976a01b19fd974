"""How big the store and the events stream grow: `scripts/bench size --events 100000`.

The demo workload is stored and projected on a private PostgreSQL, then relayed to a
private NATS; each table's size (with its indexes) and the stream's are read and scaled
to a million events.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import psycopg

from adapters import bus
from adapters.embedded import NatsServer, create_database, start_postgres
from adapters.eventstore import EVENTS_TABLE
from adapters.settings import Settings
from chronicle_tools.bench.demo_store import fill, wait_for
from projections.engine.runner import ProjectionRunner
from projections.registry import PROJECTIONS, projection
from services.relay import Relay

SIZE_SQL = """
SELECT n.nspname || '.' || c.relname, c.reltuples::bigint,
       pg_table_size(c.oid), pg_indexes_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND (n.nspname LIKE 'rm\\_%%' OR c.relname = ANY(%s))
ORDER BY 1
"""
STORE_TABLES = [EVENTS_TABLE, "event_chain", "ingest_envelopes", "ingest_rejects"]


def sizes(events: int) -> dict:
    """Bytes of each table and its indexes after `events` events, and per million."""
    root = Path(tempfile.mkdtemp(prefix="chronicle-size-"))
    server, admin = start_postgres(root / "pgdata", dbname="postgres")
    try:
        create_database(admin, "size")
        url = server.get_uri("size")
        total = fill(url, events)

        async def project() -> None:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                for name in PROJECTIONS:
                    await projection(name).create(conn)
                    await ProjectionRunner(projection(name)).catch_up(conn)

        asyncio.run(project())
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            rows = conn.execute(SIZE_SQL, (STORE_TABLES,)).fetchall()
        stream_bytes = asyncio.run(_relayed_bytes(url, root, total))
    finally:
        server.cleanup()
    scale = 1_000_000 / total
    tables = {
        name: {
            "rows": n,
            "table_bytes": t,
            "index_bytes": i,
            "mb_per_million_events": round((t + i) * scale / 1e6, 1),
        }
        for name, n, t, i in rows
    }
    return {
        "events": total,
        "tables": tables,
        "events_stream_bytes": stream_bytes,
        "events_stream_bytes_per_event": round(stream_bytes / total),
    }


async def _relayed_bytes(url: str, root: Path, total: int) -> int:
    """Relay the store to a private NATS; the events stream's size on disk then."""
    nats = NatsServer.start(root / "nats")
    relay = Relay(Settings(database_url=url, nats_url=nats.url, checkpoint_interval=0))
    try:
        await relay.start()

        async def relayed():
            return relay.position >= total

        await wait_for(relayed, 600, "relay")
        nc = await bus.connect(nats.url, "size")
        info = await nc.jetstream().stream_info(bus.EVENTS_STREAM)
        await nc.close()
        return info.state.bytes
    finally:
        await relay.stop()
        nats.stop()
