"""A relay or sender that stands by (another one holds its advisory lock: it leads) and is
stopped before it ever leads does nothing a leader does on the way out: it used to fall
through its wait into leading, logging `sender.leading` or `relay.resume` (and for the
relay, reading the stream's tail) while the real leader ran."""

from __future__ import annotations

import psycopg
import pytest

from chronicle_tools.workload import demo_workload
from services import relay as relay_module
from services.mail import sender as sender_module
from services.mail.sender import Sender
from services.relay import Relay
from tests.support.chaos import create_streams
from tests.support.store import ingest
from tests.support.waiting import until

pytestmark = pytest.mark.integration


async def standing_by(database_url: str, lock_key: int) -> bool:
    """Someone other than the leader asked for the lock and was refused (its connection's
    last statement)."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle' AND query = "
            "'SELECT pg_try_advisory_lock($1)' AND pid <> pg_backend_pid()"
        )
        return (await cur.fetchone())[0] > 0


@pytest.mark.parametrize("kind", ["relay", "sender"])
async def test_a_standby_stopped_before_it_leads_never_acts_as_the_leader(
    kind, settings, store, database_url
):
    ingest(store, demo_workload(3, "ws_a", "s") + demo_workload(3, "ws_b", "s"))
    await create_streams(settings)
    module = relay_module if kind == "relay" else sender_module
    make = Relay if kind == "relay" else Sender

    def led(service) -> bool:
        return service.position > 0 if kind == "relay" else service.leading

    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as leader:
        await leader.execute("SELECT pg_advisory_lock(%s)", (module.LOCK_KEY,))  # it leads
        if kind == "relay":  # the leader's bookmark: what a relay that resumes takes up
            await leader.execute(
                "INSERT INTO relay_position (name, position) VALUES ('events', 5) "
                "ON CONFLICT (name) DO UPDATE SET position = 5"
            )
        standby = make(settings)
        await standby.start()
        await until(lambda: standing_by(database_url, module.LOCK_KEY), within=30, what="a standby")
        await standby.stop()
        assert not led(standby)
    successor = make(settings)  # the lock is free: the next one leads
    await successor.start()
    try:

        async def leads() -> bool:
            return led(successor)

        await until(leads, within=30, what=f"the next {kind} to lead")
    finally:
        await successor.stop()
