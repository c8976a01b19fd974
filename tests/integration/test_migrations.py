"""The store's schema is made once and versioned: services starting together on a fresh
database migrate it once (no catalogue races), later starts run no DDL at all, and code
older than the store refuses to run."""

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from adapters.migrations import SCHEMA_VERSION, StoreTooNew, ensure_store, store_version

pytestmark = pytest.mark.integration

COUNT_DDL = """
CREATE TABLE ddl_seen (tag text NOT NULL);
CREATE FUNCTION note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO ddl_seen SELECT command_tag FROM pg_event_trigger_ddl_commands(); END $$;
CREATE EVENT TRIGGER ddl_seen ON ddl_command_end EXECUTE FUNCTION note_ddl();
"""


def ddl_seen(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM ddl_seen").fetchone()[0]


def test_services_starting_together_migrate_once_and_later_starts_run_no_ddl(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(COUNT_DDL)
    with ThreadPoolExecutor(6) as starting:  # a dozen processes starting at once, in small
        list(starting.map(ensure_store, [database_url] * 6))
    with psycopg.connect(database_url) as conn:
        assert store_version(conn) == SCHEMA_VERSION
    first = ddl_seen(database_url)
    assert first > 10  # the tables were made by one of them...
    with ThreadPoolExecutor(6) as starting:
        list(starting.map(ensure_store, [database_url] * 6))
    assert ddl_seen(database_url) == first  # ...and nobody made anything again


def test_code_older_than_the_store_refuses_to_run(database_url):
    ensure_store(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE chronicle_schema SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreTooNew, match=f"schema version {SCHEMA_VERSION + 1}"):
        ensure_store(database_url)
