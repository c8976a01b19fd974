"""Reading a workspace's stored tree: its size, a leaf's place, and the hashes of ranges.

A proof or a root needs the hashes of a few ranges of leaves; each is made of complete
nodes (adapters/merkle.py), each the fold of a short run of stored nodes
(adapters/merkle_edge.py): one statement reads every run, O(log n) rows. Complete nodes
never change once written, so a tree size read first and nodes read after agree without a
snapshot. Async for the API and the signer, sync for `verify` and the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncConnection, Connection

from adapters import merkle
from adapters.merkle_edge import reads, resolve

_SIZE = (
    "SELECT idx + 1 FROM merkle_nodes WHERE workspace_id = %s AND level = 0 "
    "ORDER BY idx DESC LIMIT 1"
)
_LEAF = "SELECT idx FROM merkle_nodes WHERE position = %s AND level = 0 AND workspace_id = %s"
_NODES = (
    "SELECT n.level, n.idx, n.hash "
    "FROM unnest(%s::int2[], %s::int8[], %s::int8[]) AS r(level, lo, hi) "
    "JOIN merkle_nodes n ON n.workspace_id = %s AND n.level = r.level "
    "AND n.idx >= r.lo AND n.idx < r.hi"
)
_SIZES = (
    "SELECT w.ws, coalesce(s.size, 0) FROM unnest(%s::text[]) AS w(ws) "
    "LEFT JOIN LATERAL (SELECT idx + 1 AS size FROM merkle_nodes WHERE workspace_id = w.ws "
    "AND level = 0 ORDER BY idx DESC LIMIT 1) AS s ON true"
)


class MissingNodes(Exception):
    """The stored tree lacks nodes a complete tree of that size has (it is damaged)."""


def _query(workspace_id: str, ranges: Sequence[merkle.Range]) -> tuple[set, tuple]:
    nodes = merkle.needed(ranges)
    runs = reads(nodes)
    params = tuple(list(c) for c in zip(*runs, strict=True)) if runs else ([], [], [])
    return nodes, (*params, workspace_id)


def _hashes(ranges: Sequence[merkle.Range], nodes: set, rows: list[tuple]) -> list[bytes]:
    stored = {(level, idx): bytes(h) for level, idx, h in rows}
    try:
        return merkle.hashes_of(ranges, resolve(nodes, stored))
    except KeyError as missing:
        raise MissingNodes(f"no stored node {missing.args[0]}") from None


async def range_hashes(
    conn: AsyncConnection, workspace_id: str, ranges: Sequence[merkle.Range]
) -> list[bytes]:
    """The hash of each range of leaves [lo, hi) (ranges of a proof, or [0, size))."""
    nodes, params = _query(workspace_id, ranges)
    rows = await (await conn.execute(_NODES, params)).fetchall() if nodes else []
    return _hashes(ranges, nodes, rows)


def range_hashes_sync(
    conn: Connection, workspace_id: str, ranges: Sequence[merkle.Range]
) -> list[bytes]:
    nodes, params = _query(workspace_id, ranges)
    rows = conn.execute(_NODES, params).fetchall() if nodes else []
    return _hashes(ranges, nodes, rows)


async def tree_size(conn: AsyncConnection, workspace_id: str) -> int:
    row = await (await conn.execute(_SIZE, (workspace_id,))).fetchone()
    return row[0] if row else 0


def tree_sizes_sync(conn: Connection, workspaces: Sequence[str]) -> dict[str, int]:
    return dict(conn.execute(_SIZES, (list(workspaces),)).fetchall())


async def leaf_index(conn: AsyncConnection, workspace_id: str, position: int) -> int | None:
    """The place of the event at `position` in its workspace's tree (None: not this
    workspace's event, or not stored)."""
    row = await (await conn.execute(_LEAF, (position, workspace_id))).fetchone()
    return row[0] if row else None


async def root_at(conn: AsyncConnection, workspace_id: str, size: int) -> bytes:
    return (await range_hashes(conn, workspace_id, [(0, size)]))[0] if size else merkle.EMPTY_ROOT


def root_at_sync(conn: Connection, workspace_id: str, size: int) -> bytes:
    return range_hashes_sync(conn, workspace_id, [(0, size)])[0] if size else merkle.EMPTY_ROOT
