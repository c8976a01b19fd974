"""The API's public health checks say up or down from the consumers' positions alone: they
never count the events a consumer has still to read (a read of all of them: seconds for a
relay 10M events behind, and a poller with a short timeout piled such counts up until the
API stopped answering). The operators' report still counts."""

from types import SimpleNamespace

import psycopg
import pytest

from adapters.eventstore import EventStore
from chronicle_tools.workload import demo_workload
from services.api.routes.health import health_report
from tests.support.store import ingest

pytestmark = pytest.mark.integration


class Recording(psycopg.AsyncConnection):
    """A connection that keeps every statement it was asked to run."""

    statements: list[str]

    async def execute(self, query, params=None, **kwargs):
        self.statements.append(str(query))
        return await super().execute(query, params, **kwargs)


def app_state() -> SimpleNamespace:
    hub = SimpleNamespace(
        subscribers=0, cycles=0, watcher=SimpleNamespace(listening=False, announcements=0)
    )
    return SimpleNamespace(
        settings=SimpleNamespace(stuck_after=0.0),
        live=hub,
        live_reader=SimpleNamespace(queries=0, waiting=0),
    )


async def test_public_health_decides_without_counting_and_agrees_with_the_report(
    database_url,
):
    store = EventStore(database_url)  # nothing relayed or projected: everyone is behind
    stored = ingest(store, list(demo_workload(4, "ws_a", "a")))
    store.close()
    async with await Recording.connect(database_url, autocommit=True) as conn:
        conn.statements = []
        public = await health_report(conn, app_state(), counted=False)
        public_statements, conn.statements = conn.statements, []
        report = await health_report(conn, app_state())
        report_statements = conn.statements
    assert stored > 0 and report.relay.lag_events == stored
    assert not [s for s in public_statements if "count(" in s]
    assert [s for s in report_statements if "count(" in s]
    assert public.status == report.status == "degraded"  # behind, and no progress
    assert public.relay.stuck and report.relay.stuck
    assert {n: p.stuck for n, p in public.projections.items()} == {
        n: p.stuck for n, p in report.projections.items()
    }
