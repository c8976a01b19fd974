"""Proofs an auditor checks without trusting Chronicle (docs/auditing.md, "Proofs").

- inclusion: this event is entry i of its workspace's log of n entries, whose root a
  signed tree head states: the event (or its leaf hash), O(log n) hashes and the head;
- consistency: the workspace's log of n entries extends the log of m entries: O(log n)
  hashes and both heads, so a rewritten history cannot match a head someone kept.

Both are built from the stored tree (adapters/merkle_reads.py) in a few reads, and are
plain JSON documents that `services.audit.proof_check` verifies with nothing but the public key.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from adapters import merkle
from adapters.eventstore import reads
from adapters.merkle_reads import leaf_index, range_hashes, root_at, tree_size
from services.audit.tree_heads import heads

FORMAT = "chronicle-proof/1"


class ProofError(Exception):
    """The proof cannot be made: `status` is what the HTTP API answers with."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


async def _head(conn: AsyncConnection, workspace_id: str, size: int) -> dict[str, Any]:
    """The newest signed head of this size, or the root unsigned (the caller compares it
    with a head they hold)."""
    signed = await heads(conn, workspace_id, size=size, limit=1)
    if signed:
        return signed[0]
    root = (await root_at(conn, workspace_id, size)).hex()
    return {"workspace_id": workspace_id, "tree_size": size, "root_hash": root, "signature": None}


async def _tree(conn: AsyncConnection, workspace_id: str, wanted: int | None) -> dict[str, Any]:
    """The head of the tree size asked for (checked), else the newest signed head."""
    if wanted is None:
        newest = await heads(conn, workspace_id, limit=1)
        if not newest:
            raise ProofError(409, f"no signed tree head of {workspace_id} yet: give tree_size")
        return newest[0]
    current = await tree_size(conn, workspace_id)
    if wanted > current:
        raise ProofError(404, f"the log of {workspace_id} has {current} entries, not {wanted}")
    return await _head(conn, workspace_id, wanted)


async def inclusion(
    conn: AsyncConnection,
    workspace_id: str,
    position: int,
    size: int | None = None,
    *,
    with_event: bool = True,
) -> dict[str, Any]:
    """The inclusion proof of the event at `position` in the workspace's tree of `size`
    entries (default: the newest signed head's)."""
    index = await leaf_index(conn, workspace_id, position)
    if index is None:
        raise ProofError(404, f"no event at position {position} in {workspace_id}'s log")
    size_asked = size is not None
    head = await _tree(conn, workspace_id, size)
    size = head["tree_size"]
    if index >= size:
        later = "a later tree" if size_asked else "the next signed head"
        raise ProofError(
            409,
            f"event {position} is entry {index} of {workspace_id}'s log, after the tree of "
            f"{size} entries ({later} will cover it)",
        )
    ranges = merkle.inclusion_ranges(index, size)
    path = await range_hashes(conn, workspace_id, [*ranges, (index, index + 1)])
    proof = {
        "format": FORMAT,
        "type": "inclusion",
        "workspace_id": workspace_id,
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": path[-1].hex(),
        "inclusion_path": [h.hex() for h in path[:-1]],
        "tree_head": head,
    }
    if with_event:
        proof["event"] = await _event(conn, position)
    return proof


async def _event(conn: AsyncConnection, position: int) -> dict[str, Any]:
    rows = await reads.at(conn, [position])
    if not rows:  # a leaf whose event is gone: the log was tampered with
        raise ProofError(410, f"the event at position {position} is no longer stored")
    _, agg, version, topic, state = rows[0]
    return {
        "position": position,
        "aggregate_id": str(agg),
        "version": version,
        "wire_name": topic,
        "stored": bytes(state).decode(),
    }


async def consistency(
    conn: AsyncConnection, workspace_id: str, first: int, second: int | None = None
) -> dict[str, Any]:
    """The proof that the workspace's tree of `second` entries (default: the newest signed
    head's) extends its tree of `first` entries."""
    newer = await _tree(conn, workspace_id, second)
    second = newer["tree_size"]
    if not 0 < first <= second:
        raise ProofError(400, f"first must be from 1 to second ({second}), not {first}")
    path = await range_hashes(conn, workspace_id, merkle.consistency_ranges(first, second))
    return {
        "format": FORMAT,
        "type": "consistency",
        "workspace_id": workspace_id,
        "first": await _head(conn, workspace_id, first),
        "second": newer,
        "consistency_path": [h.hex() for h in path],
    }
