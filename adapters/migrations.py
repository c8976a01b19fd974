"""Make sure the event store's tables exist, whichever service starts first.

Every service calls `ensure_store` at start, so none depends on another having run first.
Concurrent `CREATE ... IF NOT EXISTS` can still collide in PostgreSQL's catalogue (two
sessions creating the same type at once); such collisions are retried.
"""

from __future__ import annotations

import time

import psycopg
import structlog
from eventsourcing.persistence import PersistenceError

from adapters.eventstore import EventStore

log = structlog.get_logger()


def ensure_store(database_url: str, attempts: int = 20) -> None:
    for attempt in range(1, attempts + 1):
        try:
            EventStore(database_url, pool_size=1).close()
            return
        except (PersistenceError, psycopg.Error) as error:
            if attempt == attempts:
                raise
            log.warning("store.create_retry", attempt=attempt, error=str(error).splitlines()[0])
            time.sleep(min(0.1 * attempt, 2.0))
