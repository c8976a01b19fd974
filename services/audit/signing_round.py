"""The relay's signing round on the checkpoint schedule (also `chronicle checkpoint` and
`chronicle tree-heads sign`): trees brought up to their chains, signed, sent to witnesses.
Its own module because it joins tree heads and witnesses, which know of each other only
one way (a witness keeps heads)."""

from __future__ import annotations

import asyncio

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import AsyncConnection

from adapters.eventstore.merkle_catch_up import catch_up_all
from services.audit.tree_heads import sign_tree_heads
from services.audit.witness import deliver, witnesses


async def signing_round(database_url: str, key: Ed25519PrivateKey, witness_spec: str | None):
    """What the relay does on the checkpoint schedule: bring lagging trees up to their
    chains, sign every tree that grew, send the witnesses what they lack. The new heads."""

    def catch_up() -> int:
        with psycopg.connect(database_url, autocommit=True) as conn:
            return catch_up_all(conn)

    targets = witnesses(witness_spec)
    await asyncio.to_thread(catch_up)
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        made = await sign_tree_heads(conn, key)
        await deliver(conn, targets)
    return made
