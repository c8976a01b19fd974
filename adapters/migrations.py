"""The store's schema, made once and versioned.

`chronicle migrate` (and `chronicle up`, before its services start) brings the store's
tables to SCHEMA_VERSION and records it in `chronicle_schema`. A service starting only
reads that version: the same, it goes on without a statement of DDL; older or missing
(a first start without `migrate`, as tests and `chronicle run` on a fresh database do),
it migrates under an advisory lock, so services starting together never race in
PostgreSQL's catalogue; newer, it refuses to run (this code is older than the store).
"""

from __future__ import annotations

import psycopg
import structlog
from eventsourcing.persistence import PersistenceError

from adapters.bus import credentials as bus_credentials
from adapters.eventstore import EventStore
from adapters.retry import Backoff, retry_sync

log = structlog.get_logger()

# Bump with every change of the DDL of the store's tables (adapters/schema.py, chain.py,
# eventstore/merkle_store.py, eventstore/address_index.py, keys.py, bus_credentials.py).
SCHEMA_VERSION = 1
_LOCK = 0x6368726F6E  # pg_advisory_lock key: 'chron'
_VERSION_DDL = """
CREATE TABLE IF NOT EXISTS chronicle_schema (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version int NOT NULL,
    migrated_at timestamptz NOT NULL DEFAULT now()
)"""


class StoreTooNew(Exception):
    """The store was migrated by newer code than this (the command line: exit code 3)."""

    exit_code = 3


def store_version(conn: psycopg.Connection) -> int | None:
    """The schema version the store was migrated to; None: never migrated."""
    if conn.execute("SELECT to_regclass('chronicle_schema')").fetchone()[0] is None:
        return None
    row = conn.execute("SELECT version FROM chronicle_schema").fetchone()
    return row[0] if row else None


def _check(version: int | None) -> bool:
    """Is the store at this code's version (newer: refused)?"""
    if version is not None and version > SCHEMA_VERSION:
        raise StoreTooNew(
            f"the store is at schema version {version}, this code knows {SCHEMA_VERSION}: "
            "run the newer Chronicle (docs/running.md, Upgrading)"
        )
    return version == SCHEMA_VERSION


def migrate_store(database_url: str) -> bool:
    """Bring the store's tables to SCHEMA_VERSION, once; True if it changed anything."""
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK,))
        try:
            found = store_version(conn)
            if _check(found):
                return False
            EventStore(database_url, pool_size=1).close()  # the library's tables and ours
            conn.execute(bus_credentials.DDL)
            conn.execute(_VERSION_DDL)
            conn.execute(
                "INSERT INTO chronicle_schema (version) VALUES (%s) ON CONFLICT (one) "
                "DO UPDATE SET version = EXCLUDED.version, migrated_at = now()",
                (SCHEMA_VERSION,),
            )
            log.info("store.migrated", from_version=found, to_version=SCHEMA_VERSION)
            return True
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK,))


def ensure_store(database_url: str, attempts: int = 20) -> None:
    """What a service does at start: check the store's version (migrating it if behind)."""

    def once() -> None:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as conn:
            if _check(store_version(conn)):
                return
        migrate_store(database_url)

    retry_sync(
        once,
        on=(PersistenceError, psycopg.Error),
        what="store.retry",
        backoff=Backoff(first=0.1, most=2.0),
        attempts=attempts,
    )
