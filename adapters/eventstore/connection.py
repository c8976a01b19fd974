"""How the library's application reaches PostgreSQL: its environment for a URL, and a
factory that keeps every option of the URL."""

from __future__ import annotations

from typing import Any

import msgspec
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import get_topic
from psycopg.conninfo import conninfo_to_dict

from adapters.eventstore.recorder import ChronicleRecorder

# What eventsourcing's PostgreSQL settings carry of a URL; the rest of it (sslmode,
# sslrootcert, application_name, options, ...) goes to each connection by ChronicleFactory.
_CARRIED = frozenset({"dbname", "host", "port", "user", "password"})
CONNINFO_EXTRA = "CHRONICLE_CONNINFO_EXTRA"
NO_JIT = "-c jit=off"


class ChronicleFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory, connecting with every option of the URL: the
    library's own settings know only host, port, database, user and password, and would
    drop sslmode or application_name from the store's connections without a word."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        extra = self.env.get(CONNINFO_EXTRA)
        if extra:
            self.datastore.pool.kwargs.update(msgspec.json.decode(extra))


def application_env(
    database_url: str, *, pool_size: int = 5, create_tables: bool = True
) -> dict[str, str]:
    """eventsourcing's environment for a PostgreSQL URL."""
    parts = conninfo_to_dict(database_url)
    extra = {k: v for k, v in parts.items() if k not in _CARRIED}
    # The store's statements are index probes and appends. On a table without statistics
    # (autovacuum off) the planner costs them high enough to JIT-compile each one: 50 to
    # 220 ms per ingest batch where the statement itself takes under 1 ms.
    extra["options"] = " ".join(filter(None, [str(extra.get("options", "")), NO_JIT]))
    return {
        "PERSISTENCE_MODULE": get_topic(ChronicleFactory),
        CONNINFO_EXTRA: msgspec.json.encode(extra).decode(),
        "APPLICATION_RECORDER_TOPIC": get_topic(ChronicleRecorder),
        "POSTGRES_DBNAME": str(parts.get("dbname", "postgres")),
        "POSTGRES_HOST": str(parts.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(parts.get("port", "5432")),
        "POSTGRES_USER": str(parts.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(parts.get("password", "")),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "CREATE_TABLE": "y" if create_tables else "n",
    }
