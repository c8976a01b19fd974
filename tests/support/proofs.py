"""A log grown in random batches over several workspaces (colliding envelope ids), tree
heads signed between batches, and helpers to ask for proofs and check them offline."""

from __future__ import annotations

import random

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import AsyncConnection

from adapters import merkle
from chronicle_tools.workload import demo_workload
from services.audit import proofs
from services.audit.proof_check import Verdict, check
from services.audit.tree_heads import sign_tree_heads
from tests.support.store import ingest

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()
GAP = 3  # positions left free between batches, where a forger could insert an event


async def grow(database_url: str, store, seed: int, workspaces: list[str]) -> list[dict]:
    """Ingest one demo workload per workspace (same run: the envelope ids collide across
    workspaces), interleaved and cut into random batches; sign tree heads after some of
    them. Returns the heads signed, oldest first."""
    rng = random.Random(seed)
    queues = [demo_workload(seed * 10 + i, ws, "run") for i, ws in enumerate(workspaces)]
    queues = [q[: rng.randint(len(q) // 3, len(q))] for q in queues]  # random sizes
    messages = []
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        messages.append(queue.pop(0))
    heads = []
    while messages:
        cut = rng.randint(1, 120)
        batch, messages = messages[:cut], messages[cut:]
        ingest(store, batch)
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('chronicle_events', 'notification_id'), "
                "(SELECT max(notification_id) FROM chronicle_events) + %s)",
                (GAP,),
            )
        if rng.random() < 0.5 or not messages:
            heads += await sign(database_url)
    return heads


async def sign(database_url: str) -> list[dict]:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        return await sign_tree_heads(conn, KEY)


def entries(database_url: str, ws: str) -> list[tuple]:
    """The workspace's chained events in order: (position, aggregate, version, topic, state)."""
    with psycopg.connect(database_url) as conn:
        return [
            (p, a, v, t, bytes(s))
            for p, a, v, t, s in conn.execute(
                "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, "
                "e.state FROM chronicle_events e JOIN event_chain c USING (notification_id) "
                "WHERE c.workspace_id = %s ORDER BY 1",
                (ws,),
            )
        ]


def leaves(database_url: str, ws: str) -> list[bytes]:
    return [merkle.event_leaf(*e) for e in entries(database_url, ws)]


async def prove(database_url: str, ws: str, position: int, size: int | None = None) -> dict:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        return await proofs.inclusion(conn, ws, position, size)


async def prove_consistency(database_url: str, ws: str, first: int, second: int) -> dict:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        return await proofs.consistency(conn, ws, first, second)


def offline(proof: dict, held: list[dict] = ()) -> Verdict:
    """What `chronicle verify-proof` says, given only the file and the public key."""
    return check(proof, PUBLIC, held)
