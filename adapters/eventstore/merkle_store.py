"""Each workspace's Merkle tree in PostgreSQL, kept in the transaction that stores events.

`merkle_nodes` holds a workspace's leaves (level 0, with the event's position) and its
complete nodes of levels 4, 8, ... (adapters/merkle_edge.py); rows are only inserted,
never changed. The leaves are the workspace's events in chain order, each hashed as
`merkle.event_leaf`, so a tree can always be recomputed from the events alone.

The recorder calls `TreeAppender.extend` after the chain, under the event store's table
lock (so trees grow in commit order, like chains): one probe per workspace of the batch
(its last leaf, and its chain's event before the batch), the edges of workspaces it has
not kept in memory (one read), the new rows in one INSERT. A tree that lags its chain (a
store from before trees, an import, a benchmark load) is first caught up from the events.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from psycopg.rows import tuple_row
from psycopg.sql import SQL

from adapters.eventstore import table
from adapters.merkle import event_leaf
from adapters.merkle_edge import Edge, edge_ranges

TREE_DDL = [
    """
    CREATE TABLE IF NOT EXISTS merkle_nodes (
        workspace_id text NOT NULL,
        level smallint NOT NULL,
        idx bigint NOT NULL,
        hash bytea NOT NULL,
        position bigint,
        PRIMARY KEY (workspace_id, level, idx)
    )
    """,
    "CREATE UNIQUE INDEX IF NOT EXISTS merkle_leaf_position ON merkle_nodes (position) "
    "WHERE level = 0",
    """
    CREATE TABLE IF NOT EXISTS tree_heads (
        id bigserial PRIMARY KEY,
        workspace_id text NOT NULL,
        tree_size bigint NOT NULL,
        root_hash bytea NOT NULL,
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        signature bytea NOT NULL,
        UNIQUE (workspace_id, tree_size, key_id)
    )
    """,
    # Which signed heads each witness acknowledged (services/audit/witness.py).
    """
    CREATE TABLE IF NOT EXISTS witnessed_heads (
        witness text NOT NULL,
        head_id bigint NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (witness, head_id)
    )
    """,
]
_PROBE = SQL(
    "SELECT w.ws, l.idx, l.hash, l.position, c.notification_id "
    "FROM unnest(%b::text[], %b::bigint[]) AS w(ws, first) "
    "LEFT JOIN LATERAL (SELECT idx, hash, position FROM merkle_nodes n "
    "WHERE n.workspace_id = w.ws AND n.level = 0 ORDER BY n.idx DESC LIMIT 1) l ON true "
    "LEFT JOIN LATERAL (SELECT notification_id FROM event_chain c WHERE c.workspace_id = w.ws "
    "AND c.notification_id < w.first ORDER BY c.notification_id DESC LIMIT 1) c ON true"
)
# One index range per (workspace, level), whatever the planner knows (see
# EventStore.catch_up: OFFSET 0 keeps it from becoming a join that reads the table whole).
RANGES = SQL(
    "SELECT n.workspace_id, n.level, n.idx, n.hash "
    "FROM unnest(%b::text[], %b::int2[], %b::int8[], %b::int8[]) AS r(ws, level, lo, hi) "
    "CROSS JOIN LATERAL (SELECT m.workspace_id, m.level, m.idx, m.hash FROM merkle_nodes m "
    "WHERE m.workspace_id = r.ws AND m.level = r.level AND m.idx >= r.lo AND m.idx < r.hi "
    "OFFSET 0) n"
)
_INSERT = SQL(
    "INSERT INTO merkle_nodes (workspace_id, level, idx, hash, position) "
    "SELECT ws, 0, idx, h, p FROM unnest(%b::text[], %b::int8[], %b::bytea[], %b::int8[]) "
    "AS l(ws, idx, h, p) UNION ALL "
    "SELECT ws, lv, idx, h, NULL FROM unnest(%b::text[], %b::int2[], %b::int8[], %b::bytea[]) "
    "AS n(ws, lv, idx, h)"
)
CATCH_UP_BATCH = 5000


def read_edges(curs: Any, sizes: dict[str, int]) -> dict[str, Edge]:
    """The edges of these workspaces' trees of these sizes, read in one statement."""
    ranges = [(ws, *r) for ws, size in sizes.items() for r in edge_ranges(size)]
    stored: dict[str, dict[tuple[int, int], bytes]] = {ws: {} for ws in sizes}
    if ranges:
        curs.execute(RANGES, [list(c) for c in zip(*ranges, strict=True)])
        for ws, level, idx, h in curs.fetchall():
            stored[ws][(level, idx)] = bytes(h)
    return {ws: Edge.of(size, stored[ws]) for ws, size in sizes.items()}


class Rows:
    """A batch's new rows by column (as the INSERT takes them): its leaves, and the nodes
    above them that they complete."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.leaves: tuple[list, list, list, list] = ([], [], [], [])  # ws, index, hash, event
        self.nodes: tuple[list, list, list, list] = ([], [], [], [])  # ws, level, index, hash

    def append(self, ws: str, edge: Edge, position: int, leaf: bytes) -> None:
        workspaces, indexes, hashes, positions = self.leaves
        workspaces.append(ws)
        indexes.append(edge.size)
        hashes.append(leaf)
        positions.append(position)
        for level, index, h in edge.push(leaf):
            for column, value in zip(self.nodes, (ws, level, index, h), strict=True):
                column.append(value)

    def insert(self, curs: Any) -> int:
        """Write them in one statement; how many leaves."""
        count = len(self.leaves[0])
        if count:
            curs.execute(_INSERT, [*self.leaves, *self.nodes], prepare=True)
        self.clear()
        return count


class TreeAppender:
    """Grows the trees of the workspaces a batch stored events in. Keeps the edges of the
    workspaces it wrote last, each trusted only while the tree's last leaf is the one it
    appended (another writer, or a rolled-back batch, and it reads the edge again)."""

    def __init__(self, cache_size: int = 4096) -> None:
        self.cache_size = cache_size
        self.edges: OrderedDict[str, tuple[Edge, bytes]] = OrderedDict()

    def extend(
        self, curs: Any, stored_events: Sequence[Any], ids: Sequence[int], workspaces: Sequence[str]
    ) -> None:
        if not ids:
            return
        leaves: dict[str, list[tuple[int, bytes]]] = {}
        for e, position, ws in zip(stored_events, ids, workspaces, strict=True):
            leaf = event_leaf(position, e.originator_id, e.originator_version, e.topic, e.state)
            leaves.setdefault(ws, []).append((position, leaf))
        for found in leaves.values():
            found.sort()  # position order, the chain's (the ids come ascending already)
        names = sorted(leaves)
        with curs.connection.cursor(row_factory=tuple_row) as reads:  # apart from the pipeline's
            reads.execute(_PROBE, (names, [leaves[ws][0][0] for ws in names]), prepare=True)
            probes = {row[0]: row[1:] for row in reads.fetchall()}
            edges = self._edges(reads, probes)
            rows = Rows()
            for ws in names:
                _, _, last_position, chained_before = probes[ws]
                edge = edges[ws]
                if chained_before is not None and (last_position or 0) < chained_before:
                    catch_up(reads, ws, edge, last_position or 0, leaves[ws][0][0])
                for position, leaf in leaves[ws]:
                    rows.append(ws, edge, position, leaf)
                self._keep(ws, edge, leaves[ws][-1][1])
            rows.insert(reads)

    def _edges(self, curs: Any, probes: dict[str, tuple]) -> dict[str, Edge]:
        found, missing = {}, {}
        for ws, (idx, last_hash, _, _) in probes.items():
            size = 0 if idx is None else idx + 1
            kept = self.edges.get(ws)
            if kept and kept[0].size == size and (size == 0 or kept[1] == bytes(last_hash)):
                found[ws] = kept[0]
            else:
                missing[ws] = size
        return {**found, **read_edges(curs, missing)} if missing else found

    def _keep(self, ws: str, edge: Edge, last: bytes) -> None:
        self.edges[ws] = (edge, last)
        self.edges.move_to_end(ws)
        while len(self.edges) > self.cache_size:
            self.edges.popitem(last=False)


def catch_up(curs: Any, ws: str, edge: Edge, after: int, before: int) -> int:
    """Append the workspace's chained events between two positions (exclusive) to its
    tree, reading and writing in batches; how many leaves were added."""
    added, rows = 0, Rows()
    while True:
        found = table.chained(curs, ws, after, before, CATCH_UP_BATCH)
        for position, agg, version, topic, state in found:
            rows.append(ws, edge, position, event_leaf(position, agg, version, topic, bytes(state)))
        added += rows.insert(curs)
        if len(found) < CATCH_UP_BATCH:
            return added
        after = found[-1][0]
