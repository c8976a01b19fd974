"""`chronicle verify`'s check of the Merkle trees: recomputed from the events as the walk
goes, compared with every signed tree head given (the store's, a witness's, a file's)
and with the stored tree (services/audit/verify.py).

- `tree_rewritten`: a signed head's root is not the root of the workspace's first
  `tree_size` events as they are now: the log before it was changed, removed, reordered
  or inserted into (what a consistency proof from that head would also show);
- `tree_truncated`: a signed head is larger than the workspace's log;
- `bad_signature`: a tree head that does not verify with the public key;
- `tree_mismatch`: the stored tree does not match events whose chain is intact (it was
  damaged: proofs served from it would fail; reported only where the chain is intact, as
  a changed event is already reported by the chain).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from adapters.merkle import event_leaf
from adapters.merkle_edge import STRIDE, Edge
from adapters.merkle_reads import tree_sizes_sync
from services.audit.tree_heads import signature_holds

Found = tuple[str, int, str, str]  # (kind, position, workspace, detail)


class TreeWalk:
    """Each workspace's tree rebuilt from its events, in position order, remembering its
    root (and last position) at the sizes asked for, and a digest of each stored level's
    nodes up to the stored tree's size (`stored`), to compare with the stored rows."""

    def __init__(self, sizes: dict[str, set[int]], stored: dict[str, int] | None = None) -> None:
        self.sizes, self.stored = sizes, stored or {}
        self.edges: dict[str, Edge] = {}
        self.roots: dict[tuple[str, int], tuple[bytes, int]] = {}
        self.digests: dict[tuple[str, int], Any] = {}

    def add(
        self, ws: str, position: int, agg: UUID, version: int, topic: str, state: bytes
    ) -> None:
        edge = self.edges.get(ws)
        if edge is None:
            edge = self.edges[ws] = Edge()
        rows = edge.append(event_leaf(position, agg, version, topic, state))
        if edge.size <= self.stored.get(ws, 0):
            for level, _, h in rows:
                digest = self.digests.get((ws, level))
                if digest is None:
                    digest = self.digests[(ws, level)] = hashlib.sha256()
                digest.update(h)
        if edge.size in self.sizes.get(ws, ()):
            self.roots[(ws, edge.size)] = (edge.root(), position)

    def size(self, ws: str) -> int:
        edge = self.edges.get(ws)
        return edge.size if edge else 0


def wanted(heads: Iterable[dict], stored_sizes: dict[str, int]) -> dict[str, set[int]]:
    sizes: dict[str, set[int]] = {ws: {n} for ws, n in stored_sizes.items() if n}
    for h in heads:
        sizes.setdefault(h["workspace_id"], set()).add(int(h["tree_size"]))
    return sizes


def unique(heads: Iterable[dict], workspace: str | None = None) -> list[dict]:
    """The heads of the workspace (or all), each once (the store and a witness both hold it)."""
    seen, found = set(), []
    for h in heads:
        if workspace not in (None, h["workspace_id"]):
            continue
        key = (h["workspace_id"], h["tree_size"], h["root_hash"], h.get("signature"))
        if key not in seen:
            seen.add(key)
            found.append(h)
    return found


def head_problems(
    heads: Iterable[dict], walk: TreeWalk, public_key: Ed25519PublicKey | None
) -> list[Found]:
    found = []
    for h in heads:
        ws, size = h["workspace_id"], int(h["tree_size"])
        if public_key is not None and not signature_holds(h, public_key):
            found.append(("bad_signature", 0, ws, f"the tree head of size {size} does not verify"))
        elif walk.size(ws) < size:
            found.append(
                (
                    "tree_truncated",
                    0,
                    ws,
                    f"a tree head signed {size} entries; the log has {walk.size(ws)} "
                    "(entries were removed)",
                )
            )
        elif walk.roots[(ws, size)][0].hex() != h["root_hash"]:
            found.append(
                (
                    "tree_rewritten",
                    walk.roots[(ws, size)][1],
                    ws,
                    f"the first {size} entries no longer have the root of the tree head signed "
                    f"at {h.get('signed_at')}: they were changed, removed, reordered or added to",
                )
            )
    return found


_LEVEL = (
    "SELECT hash FROM merkle_nodes WHERE workspace_id = %s AND level = %s AND idx < %s ORDER BY idx"
)
_TREE_WORKSPACES = """
WITH RECURSIVE workspaces(ws) AS (
    SELECT min(workspace_id) FROM merkle_nodes
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM merkle_nodes WHERE workspace_id > ws)
    FROM workspaces WHERE ws IS NOT NULL
)
SELECT ws FROM workspaces WHERE ws IS NOT NULL
"""


def stored_sizes(conn: psycopg.Connection, workspace: str | None) -> dict[str, int]:
    """The stored trees' sizes, read before the walk (so the walk reaches them)."""
    names = [workspace] if workspace else [r[0] for r in conn.execute(_TREE_WORKSPACES)]
    return tree_sizes_sync(conn, names)


def stored_problems(conn: psycopg.Connection, walk: TreeWalk, broken: set) -> list[Found]:
    """The stored trees (of workspaces whose chain is intact: not in `broken`) against the
    walk's, level by level, up to the size each had before the walk."""
    found = []
    for ws, size in walk.stored.items():
        if not size or ws in broken:
            continue
        if walk.size(ws) < size:
            why = f"the stored tree has {size} leaves, the log {walk.size(ws)}"
            found.append(("tree_mismatch", 0, ws, why))
            continue
        for level in range(0, size.bit_length(), STRIDE):
            digest = hashlib.sha256()
            with conn.cursor(name="tree_check") as cur:
                cur.itersize = 10_000
                cur.execute(_LEVEL, (ws, level, size >> level))
                for (h,) in cur:
                    digest.update(bytes(h))
            expected = walk.digests.get((ws, level), hashlib.sha256())
            if digest.digest() != expected.digest():
                found.append(
                    (
                        "tree_mismatch",
                        walk.roots[(ws, size)][1],
                        ws,
                        f"the stored tree's nodes of level {level} do not match the events "
                        "(rebuild it: delete its rows of merkle_nodes, then `chronicle "
                        "tree-heads --sign`)",
                    )
                )
                break
    return found
