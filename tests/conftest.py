"""Fixtures: real PostgreSQL and NATS JetStream, a fresh database and stream set per test."""

from __future__ import annotations

import pytest

from adapters.logging import configure_logging
from adapters.settings import Settings
from tests.support.infra import Nats, Postgres


@pytest.fixture(scope="session", autouse=True)
def quiet_logs():
    """Services log at warning level in tests (CHRONICLE_LOG_LEVEL overrides)."""
    import os

    configure_logging(
        Settings(log_level=os.environ.get("CHRONICLE_LOG_LEVEL", "warning"), log_format="console"),
        "tests",
    )


@pytest.fixture(scope="session")
def postgres():
    pg = Postgres()
    yield pg
    pg.close()


@pytest.fixture(scope="session")
def nats_server():
    server = Nats()
    yield server
    server.close()


@pytest.fixture
def database_url(postgres):
    url = postgres.create_database()
    yield url
    postgres.drop_database(url)


@pytest.fixture
async def nats_url(nats_server):
    """The session's NATS with Chronicle's streams (and their consumers) deleted first."""
    import nats

    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    for info in await js.streams_info():
        await js.delete_stream(info.config.name)
    await nc.close()
    return nats_server.url


@pytest.fixture
def settings(database_url, nats_url) -> Settings:
    import base64
    import os

    return Settings(
        database_url=database_url,
        nats_url=nats_url,
        bus_key=base64.b64encode(os.urandom(32)).decode(),  # this test's own
        checkpoint_interval=0,
        log_format="console",
    )


@pytest.fixture
def store(database_url):
    """The event store on this test's fresh database."""
    from adapters.eventstore import EventStore

    store = EventStore(database_url)
    yield store
    store.close()
