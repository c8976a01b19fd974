"""Witnesses keep tree heads where Chronicle's operator cannot rewrite them: a file, and a
JetStream key-value bucket on a NATS server of someone else's (its own credentials). A
history rewritten afterwards, even with the store's own heads deleted, contradicts them."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import nats
import psycopg
import pytest

from adapters.embedded import free_port, nats_server_binary, wait_for_port
from adapters.processes import die_with_parent
from chronicle_tools.workload import demo_workload
from services.audit.signing_round import signing_round
from services.audit.verify import verify
from services.audit.witness import Equivocation, FileWitness, NatsKvWitness, kv_key, witnesses
from tests.support.proofs import KEY, PUBLIC, entries
from tests.support.store import ingest

pytestmark = pytest.mark.integration


@pytest.fixture
def witness_server():
    """A NATS server of the auditor's: its own process, its own user and password."""
    store = Path(tempfile.mkdtemp(prefix="chronicle-witness-"))
    port = free_port()
    args = ["-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]
    process = subprocess.Popen(
        [nats_server_binary(), *args, "--user", "auditor", "--pass", "s3cret"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
    )
    try:
        wait_for_port(port)
        yield f"nats://auditor:s3cret@127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(store, ignore_errors=True)


async def create_bucket(url: str, bucket: str = "HEADS") -> None:
    """What the witness's owner does once: a bucket that keeps every revision of a key."""
    nc = await nats.connect(url)
    try:
        await nc.jetstream().create_key_value(bucket=bucket, history=64)
    finally:
        await nc.close()


def delivered(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        return dict(
            conn.execute("SELECT witness, count(*) FROM witnessed_heads GROUP BY 1").fetchall()
        )


def rewrite_and_hide(database_url: str) -> None:
    """A forger with the database: edit an event, rebuild the tree, and delete the
    store's heads so nothing in the store contradicts the new history."""
    from adapters.eventstore.merkle_catch_up import catch_up_all

    position = entries(database_url, "ws_a")[2][0]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE chronicle_events SET state = state || '\\x20'::bytea "
            "WHERE notification_id = %s",
            (position,),
        )
        conn.execute("DELETE FROM merkle_nodes WHERE workspace_id = 'ws_a'")
        conn.execute("DELETE FROM tree_heads")
        catch_up_all(conn)


async def test_a_file_witness_keeps_every_head_once_and_outlives_a_rewrite(
    database_url, store, tmp_path
):
    spec = f"file:{tmp_path / 'heads.jsonl'}"
    ingest(store, demo_workload(1, "ws_a", "r") + demo_workload(2, "ws_b", "r"))
    first = await signing_round(database_url, KEY, spec)
    again = await signing_round(database_url, KEY, spec)  # nothing grew: nothing new
    ingest(store, demo_workload(3, "ws_a", "r2"))
    grown = await signing_round(database_url, KEY, spec)
    (witness,) = witnesses(spec)
    held = await witness.held()
    assert (len(first), len(again), len(grown)) == (2, 0, 1)
    assert held == first + grown and delivered(database_url) == {witness.name: 3}
    assert verify(database_url, public_key=PUBLIC, tree_heads=held).intact

    rewrite_and_hide(database_url)
    report = verify(database_url, public_key=PUBLIC, tree_heads=await witness.held())
    tree = [(p.kind, p.workspace_id) for p in report.problems if p.kind.startswith("tree_")]
    assert tree == [("tree_rewritten", "ws_a"), ("tree_rewritten", "ws_a")]


async def test_a_nats_kv_witness_of_another_server_refuses_a_second_history(
    database_url, store, witness_server
):
    spec = f"nats-kv:HEADS@{witness_server}"
    ingest(store, demo_workload(1, "ws_a", "r") + demo_workload(2, "ws_b", "r"))
    made = await signing_round(database_url, KEY, spec)  # the bucket is not there yet
    assert len(made) == 2 and delivered(database_url) == {}  # kept for the next round
    await create_bucket(witness_server)
    await signing_round(database_url, KEY, spec)
    (witness,) = witnesses(spec)
    assert witness.name == f"nats-kv:HEADS@127.0.0.1:{witness_server.rsplit(':', 1)[1]}"
    assert "s3cret" not in witness.name  # never stored with the password
    assert delivered(database_url) == {witness.name: 2}
    assert sorted(await witness.held(), key=lambda h: h["workspace_id"]) == made

    with psycopg.connect(database_url, autocommit=True) as conn:  # lost acknowledgements
        conn.execute("DELETE FROM witnessed_heads")
    await signing_round(database_url, KEY, spec)  # sends the same heads again: accepted
    assert delivered(database_url) == {witness.name: 2} and len(await witness.held()) == 2

    forged = {**made[0], "root_hash": "00" * 32}
    with pytest.raises(Equivocation):
        await witness.send([forged])
    assert len(await witness.held()) == 2

    rewrite_and_hide(database_url)
    report = verify(database_url, public_key=PUBLIC, tree_heads=await witness.held())
    assert [p.kind for p in report.problems if p.kind.startswith("tree_")] == ["tree_rewritten"]


async def test_what_is_written_over_a_kept_head_is_still_read_back(witness_server):
    """Someone with the witness's write credentials puts a new revision over a head: the
    bucket keeps both, and both are read back (so the original still contradicts)."""
    await create_bucket(witness_server)
    witness = NatsKvWitness("HEADS", witness_server)
    head = {"workspace_id": "ws a/b", "tree_size": 3, "root_hash": "11" * 32, "signature": "00"}
    await witness.send([head])
    nc = await nats.connect(witness_server)
    kv = await nc.jetstream().key_value("HEADS")
    await kv.put(kv_key(head), json.dumps({**head, "root_hash": "22" * 32}).encode())
    await nc.close()
    assert kv_key(head) == "=777320612f62.3"  # an id a key cannot hold, hex-encoded
    assert sorted(h["root_hash"] for h in await witness.held()) == ["11" * 32, "22" * 32]


def test_the_witness_setting_is_read_or_refused():
    found = witnesses("file:/tmp/a.jsonl, nats-kv:B@nats://u:p@h:4300")
    assert [type(w) for w in found] == [FileWitness, NatsKvWitness]
    assert found[1].name == "nats-kv:B@h:4300"
    with pytest.raises(ValueError, match="CHRONICLE_WITNESSES"):
        witnesses("s3://bucket/heads")
