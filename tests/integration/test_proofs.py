"""Transparency-log proofs over the real store: every event proves against every later
signed tree head, every pair of heads is consistent, and any rewrite of the stored log
(an event changed, reordered, inserted or deleted, with or without the tree recomputed
and signed again) fails exactly the proofs it affects."""

import psycopg
import pytest

from adapters import merkle
from adapters.eventstore.merkle_catch_up import catch_up_all
from chronicle_tools.workload import demo_workload
from services.audit.proofs import ProofError
from services.audit.verify import verify
from tests.support.proofs import (
    PUBLIC,
    entries,
    grow,
    leaves,
    offline,
    prove,
    prove_consistency,
    sign,
)
from tests.support.store import ingest

pytestmark = pytest.mark.integration
WORKSPACES = ["ws_a", "ws_b", "ws_c"]


def by_workspace(heads: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for h in heads:
        found.setdefault(h["workspace_id"], []).append(h)
    return found


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_event_proves_against_every_later_head_and_heads_are_consistent(
    database_url, store, seed
):
    heads = by_workspace(await grow(database_url, store, seed, WORKSPACES))
    assert set(heads) == set(WORKSPACES)
    for ws, signed in heads.items():
        events, reference = entries(database_url, ws), leaves(database_url, ws)
        assert len({h["tree_size"] for h in signed}) == len(signed)  # a size signed once
        for head in signed:
            assert head["root_hash"] == merkle.root(reference[: head["tree_size"]]).hex()
            for index, (position, *_) in enumerate(events[: head["tree_size"]]):
                proof = await prove(database_url, ws, position, head["tree_size"])
                verdict = offline(proof)
                assert verdict.ok, verdict.lines
                assert proof["leaf_index"] == index and proof["tree_head"] == head
            for later in signed:
                if later["tree_size"] >= head["tree_size"]:
                    proof = await prove_consistency(
                        database_url, ws, head["tree_size"], later["tree_size"]
                    )
                    assert offline(proof).ok, (head, later)
    assert verify(database_url, public_key=PUBLIC).intact


async def test_an_event_of_another_workspace_or_not_yet_signed_is_not_proven(database_url, store):
    await grow(database_url, store, 3, ["ws_a", "ws_b"])
    ws_a = entries(database_url, "ws_a")
    with pytest.raises(ProofError) as other:
        await prove(database_url, "ws_b", ws_a[0][0])
    assert other.value.status == 404
    ingest(store, demo_workload(99, "ws_a", "late"))
    late = entries(database_url, "ws_a")[-1][0]
    with pytest.raises(ProofError) as unsigned:
        await prove(database_url, "ws_a", late)
    assert unsigned.value.status == 409 and "next signed head" in unsigned.value.detail
    unsigned_size = await prove(database_url, "ws_a", late, len(entries(database_url, "ws_a")))
    assert unsigned_size["tree_head"]["signature"] is None
    assert not offline(unsigned_size).ok  # a root nobody signed proves nothing
    await sign(database_url)
    assert offline(await prove(database_url, "ws_a", late)).ok


def tamper(database_url: str, how: str, ws: str, k: int) -> None:
    """Rewrite the stored log at the workspace's entry k, as someone with the database
    would: rows of chronicle_events and event_chain."""
    events = entries(database_url, ws)
    position = events[k][0]
    with psycopg.connect(database_url, autocommit=True) as conn:
        if how == "changed":
            conn.execute(
                "UPDATE chronicle_events SET state = state || '\\x20'::bytea "
                "WHERE notification_id = %s",
                (position,),
            )
        elif how == "reordered":
            other = events[k + 1][0]
            for a, b in ((position, -position), (other, position), (-position, other)):
                conn.execute(
                    "UPDATE chronicle_events SET notification_id = %s WHERE notification_id = %s",
                    (b, a),
                )
        elif how == "inserted":  # into a position left free just before the entry
            free = free_before(conn, events, k)
            assert free is not None, "no free position: grow() leaves gaps between batches"
            conn.execute(
                "INSERT INTO chronicle_events (notification_id, originator_id, "
                "originator_version, topic, state) SELECT %s, originator_id, 9999, topic, state "
                "FROM chronicle_events WHERE notification_id = %s",
                (free, position),
            )
            conn.execute(
                "INSERT INTO event_chain SELECT %s, workspace_id, prev_hash, hash "
                "FROM event_chain WHERE notification_id = %s",
                (free, position),
            )
        elif how == "deleted":
            conn.execute("DELETE FROM chronicle_events WHERE notification_id = %s", (position,))
            conn.execute("DELETE FROM event_chain WHERE notification_id = %s", (position,))


def free_before(conn: psycopg.Connection, events: list[tuple], k: int) -> int | None:
    return conn.execute(
        "SELECT max(p) FROM generate_series(%s::bigint, %s::bigint) p WHERE NOT EXISTS "
        "(SELECT 1 FROM chronicle_events WHERE notification_id = p)",
        (events[k - 1][0] + 1 if k else 1, events[k][0] - 1),
    ).fetchone()[0]


def middle(database_url: str, how: str, events: list[tuple]) -> int:
    """Where to rewrite: the middle entry (for an insertion, the first after it that has
    a free position before it)."""
    if how != "inserted":
        return len(events) // 2
    with psycopg.connect(database_url) as conn:
        return next(k for k in range(len(events) // 2, len(events)) if free_before(conn, events, k))


def recompute_tree(database_url: str, ws: str) -> None:
    """What a forger with the algorithm does next: rebuild the tree from the edited log."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM merkle_nodes WHERE workspace_id = %s", (ws,))
        assert catch_up_all(conn) > 0


@pytest.mark.parametrize("how", ["changed", "reordered", "inserted", "deleted"])
async def test_a_rewritten_history_fails_the_proofs_it_affects(database_url, store, how):
    heads = by_workspace(await grow(database_url, store, 4, ["ws_a", "ws_b"]))
    signed = heads["ws_a"]
    before = entries(database_url, "ws_a")
    k = middle(database_url, how, before)
    untouched_heads = [h for h in signed if h["tree_size"] <= k]
    affected_heads = [h for h in signed if h["tree_size"] > k]
    assert affected_heads, "the scenario signs a head after entry k"
    tamper(database_url, how, "ws_a", k)
    recompute_tree(database_url, "ws_a")
    ingest(store, demo_workload(50, "ws_a", "after")[:5])  # the log goes on
    new_heads = await sign(database_url)  # and the operator's relay signs the forged tree
    (new,) = [h for h in new_heads if h["workspace_id"] == "ws_a"]
    after = entries(database_url, "ws_a")

    for head in affected_heads:  # no proof against a head signed after entry k holds
        size = head["tree_size"]
        if size > len(after):  # the log is now shorter than what was signed
            with pytest.raises(ProofError):
                await prove_consistency(database_url, "ws_a", size, new["tree_size"])
            continue
        for index in range(size):
            proof = await prove(database_url, "ws_a", after[index][0], size)
            assert not offline(proof, signed).ok, (how, index, size)
        proof = await prove_consistency(database_url, "ws_a", size, new["tree_size"])
        verdict = offline(proof, signed)
        assert not verdict.ok and "history was rewritten" in verdict.lines[-1], verdict.lines
    for head in untouched_heads:  # while the entries before k still prove against older heads
        for index in range(head["tree_size"]):
            proof = await prove(database_url, "ws_a", after[index][0], head["tree_size"])
            assert offline(proof, signed).ok, (how, index)
    for head in untouched_heads:
        proof = await prove_consistency(database_url, "ws_a", head["tree_size"], new["tree_size"])
        assert offline(proof, signed).ok
    for head in heads["ws_b"]:  # another workspace's log is its own
        last = entries(database_url, "ws_b")[head["tree_size"] - 1][0]
        assert offline(await prove(database_url, "ws_b", last, head["tree_size"])).ok

    report = verify(database_url, public_key=PUBLIC)
    rewritten = {p.workspace_id for p in report.problems if p.kind == "tree_rewritten"}
    assert rewritten == {"ws_a"}
    tree_problems = [p for p in report.problems if p.kind.startswith("tree_")]
    assert {p.kind for p in tree_problems} <= {"tree_rewritten", "tree_truncated"}
    assert len(tree_problems) == len(affected_heads)  # one for each head signed after k


async def test_an_edited_event_no_longer_hashes_to_its_leaf(database_url, store):
    heads = by_workspace(await grow(database_url, store, 5, ["ws_a"]))
    head = heads["ws_a"][-1]
    position = entries(database_url, "ws_a")[3][0]
    tamper(database_url, "changed", "ws_a", 3)
    verdict = offline(await prove(database_url, "ws_a", position, head["tree_size"]))
    assert not verdict.ok and "does not hash to the proof's leaf" in verdict.lines[0]
    kinds = {p.kind for p in verify(database_url, public_key=PUBLIC).problems}
    assert kinds == {"changed", "tree_rewritten"}


async def test_a_damaged_stored_tree_is_reported_where_the_chain_is_intact(database_url, store):
    heads = by_workspace(await grow(database_url, store, 6, ["ws_a", "ws_b"]))
    head = heads["ws_b"][-1]
    sibling = entries(database_url, "ws_b")[3][0]
    assert offline(await prove(database_url, "ws_b", sibling, head["tree_size"])).ok
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE merkle_nodes SET hash = sha256(hash) WHERE workspace_id = 'ws_b' "
            "AND level = 0 AND idx = 2"
        )
    assert not offline(await prove(database_url, "ws_b", sibling, head["tree_size"])).ok
    report = verify(database_url, public_key=PUBLIC)
    assert [(p.kind, p.workspace_id) for p in report.problems] == [("tree_mismatch", "ws_b")]
    assert "level 0" in report.problems[0].detail


async def test_heads_beyond_the_log_and_forged_heads_are_reported(database_url, store):
    heads = await grow(database_url, store, 7, ["ws_a"])
    last = heads[-1]
    forged = {**last, "root_hash": "00" * 32}
    longer = {**last, "tree_size": last["tree_size"] + 5}
    report = verify(database_url, public_key=PUBLIC, tree_heads=[forged, longer])
    assert sorted(p.kind for p in report.problems) == ["bad_signature", "bad_signature"]
    report = verify(database_url, tree_heads=[forged, longer])  # no key: contents only
    assert sorted(p.kind for p in report.problems) == ["tree_rewritten", "tree_truncated"]
    assert report.tree_heads == len(heads) + 2


async def test_an_imported_log_proves_against_the_heads_signed_before_the_export(
    database_url, store, postgres
):
    import io

    from services.audit.export import export, import_

    heads = await grow(database_url, store, 8, ["ws_a", "ws_b"])
    exported = io.BytesIO()
    export(database_url, exported, progress=False)
    other = postgres.create_database()
    try:
        import_(other, io.BytesIO(exported.getvalue()), progress=False)
        query = "SELECT * FROM merkle_nodes ORDER BY workspace_id, level, idx"
        with psycopg.connect(database_url) as a, psycopg.connect(other) as b:
            assert a.execute(query).fetchall() == b.execute(query).fetchall()
        for head in heads:
            ws, size = head["workspace_id"], head["tree_size"]
            last = entries(other, ws)[size - 1][0]
            assert offline(await prove(other, ws, last, size), heads).ok
    finally:
        postgres.drop_database(other)
