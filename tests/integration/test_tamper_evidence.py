"""Tamper evidence: edit, delete, swap rows in PostgreSQL; `verify` catches every one."""

import io

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.chain import genesis, link
from chronicle_tools.workload import demo_workload
from services.audit.export import export, import_
from services.audit.verify import checkpoint, verify
from tests.support.store import ingest

pytestmark = pytest.mark.integration
KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def log(database_url, store):
    """Two workspaces' worth of events, and a signed checkpoint of each chain."""
    total = ingest(store, demo_workload(1, "ws_a", "a") + demo_workload(2, "ws_b", "b"))
    checkpoint(database_url, KEY)
    return total


def tamper(database_url: str, sql: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        assert conn.execute(sql).rowcount > 0, "the tampering did nothing"


def edit_a_name(database_url: str) -> int:
    """Make the first stored event about contact c_ann be about c_eve; its position. (Her
    name is sealed in the stored bytes: a tamperer edits what is readable.)"""
    with psycopg.connect(database_url, autocommit=True) as conn:
        position = conn.execute(
            "SELECT min(notification_id) FROM chronicle_events "
            "WHERE convert_from(state, 'UTF8') LIKE '%\"c_ann\"%'"
        ).fetchone()[0]
        conn.execute(
            "UPDATE chronicle_events SET state = convert_to(replace(convert_from(state, "
            "'UTF8'), '\"c_ann\"', '\"c_eve\"'), 'UTF8') WHERE notification_id = %s",
            (position,),
        )
    return position


def kinds(report) -> list[tuple[str, int]]:
    return [(p.kind, p.position) for p in report.problems]


def test_an_untouched_log_verifies(database_url, log):
    report = verify(database_url, public_key=KEY.public_key())
    assert report.intact and report.events == log
    assert report.workspaces == {"ws_a", "ws_b"} and report.checkpoints == 2


def test_an_edited_event_is_caught(database_url, log):
    position = edit_a_name(database_url)
    assert kinds(verify(database_url, public_key=KEY.public_key())) == [("changed", position)]


def test_a_deleted_event_is_caught(database_url, log):
    tamper(database_url, "DELETE FROM chronicle_events WHERE notification_id = 10")
    assert kinds(verify(database_url)) == [("missing", 10)]


def test_an_event_deleted_with_its_chain_row_breaks_the_next_link(database_url, log):
    tamper(database_url, "DELETE FROM chronicle_events WHERE notification_id = 10")
    tamper(database_url, "DELETE FROM event_chain WHERE notification_id = 10")
    report = verify(database_url)
    assert kinds(report)[0] == ("broken_link", 11)


def test_two_swapped_events_are_reported_as_reordered(database_url, log):
    tamper(
        database_url,
        "UPDATE chronicle_events SET notification_id = -notification_id "
        "WHERE notification_id IN (20, 21)",
    )
    tamper(
        database_url,
        "UPDATE chronicle_events SET notification_id = "
        "CASE notification_id WHEN -20 THEN 21 ELSE 20 END "
        "WHERE notification_id IN (-20, -21)",
    )
    assert sorted(kinds(verify(database_url))) == [("reordered", 20), ("reordered", 21)]


def test_an_inserted_event_is_caught(database_url, log):
    tamper(
        database_url,
        "INSERT INTO chronicle_events (notification_id, originator_id, "
        "originator_version, topic, state) SELECT 999999, originator_id, 999, "
        "topic, state FROM chronicle_events WHERE notification_id = 3",
    )
    assert kinds(verify(database_url)) == [("unchained", 999999)]


def test_a_chain_recomputed_after_an_edit_is_caught_by_the_signed_checkpoint(database_url, log):
    edit_a_name(database_url)
    _recompute_chains(database_url)  # what an attacker with the algorithm would do
    report = verify(database_url, public_key=KEY.public_key())
    assert [p.kind for p in report.problems] == ["rewritten"]
    assert report.problems[0].workspace_id == "ws_a"


def test_a_forged_checkpoint_is_caught(database_url, log):
    tamper(
        database_url,
        "UPDATE chain_checkpoints SET signature = "
        "overlay(signature placing set_byte('\\x00'::bytea, 0, get_byte(signature, 0) # 255) "
        "from 1 for 1) WHERE id = 1",
    )
    assert [p.kind for p in verify(database_url, public_key=KEY.public_key()).problems] == [
        "bad_signature"
    ]


def test_an_export_reimports_into_an_empty_store_as_the_same_verifiable_log(
    database_url, log, postgres
):
    exported = io.BytesIO()
    assert export(database_url, exported, progress=False) == log
    other = postgres.create_database()
    try:
        assert import_(other, io.BytesIO(exported.getvalue()), progress=False) == log
        with psycopg.connect(database_url) as a, psycopg.connect(other) as b:
            query = "SELECT * FROM chronicle_events ORDER BY notification_id"
            assert a.execute(query).fetchall() == b.execute(query).fetchall()
            query = "SELECT * FROM event_chain ORDER BY notification_id"
            assert a.execute(query).fetchall() == b.execute(query).fetchall()
        assert verify(other).intact
    finally:
        postgres.drop_database(other)


def test_a_tampered_export_does_not_import(database_url, log, postgres):
    exported = io.BytesIO()
    export(database_url, exported, progress=False)
    forged = exported.getvalue().replace(b"c_ann", b"c_eve")  # in the stored bytes too
    assert forged != exported.getvalue()
    other = postgres.create_database()
    try:
        from services.audit.export import ImportError_

        with pytest.raises(ImportError_, match="does not match"):
            import_(other, io.BytesIO(forged), progress=False)
    finally:
        postgres.drop_database(other)


def _recompute_chains(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state, "
            "c.workspace_id FROM chronicle_events e JOIN event_chain c USING (notification_id) "
            "ORDER BY 1"
        ).fetchall()
        heads: dict[str, bytes] = {}
        for position, agg, version, topic, state, ws in rows:
            prev = heads.get(ws, genesis(ws))
            heads[ws] = link(prev, position, agg, version, topic, bytes(state))
            conn.execute(
                "UPDATE event_chain SET prev_hash = %s, hash = %s WHERE notification_id = %s",
                (prev, heads[ws], position),
            )


async def test_the_relay_signs_checkpoints_periodically(settings, store, tmp_path):
    import asyncio

    from adapters import signing
    from services.relay import Relay
    from tests.support.waiting import until

    ingest(store, demo_workload(3, "ws_c", "c"))
    relay = Relay(settings.model_copy(update={"checkpoint_interval": 0.2, "data_dir": tmp_path}))
    await relay.start()

    def signed() -> int:
        with psycopg.connect(settings.database_url) as conn:
            return conn.execute("SELECT count(*) FROM chain_checkpoints").fetchone()[0]

    async def rounds(n: int) -> bool:
        return relay.checkpoint_rounds >= n

    try:
        await until(lambda: rounds(1), what="a round of checkpoints")
        first = signed()
        await until(lambda: rounds(3), what="rounds with nothing new")
        unchanged = signed()  # a head that did not move is not signed again
        ingest(store, demo_workload(4, "ws_c", "c2"))
        done = relay.checkpoint_rounds
        await until(lambda: rounds(done + 2), what="a round after new events")
        moved = signed()
    finally:
        await relay.stop()
    assert (first, unchanged, moved) == (1, 1, 2)
    public = signing.private_key(tmp_path).public_key()
    report = await asyncio.to_thread(verify, settings.database_url, None, public)
    assert report.intact and report.checkpoints >= 2
