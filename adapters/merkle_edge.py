"""Which nodes of a tree are stored, and the right edge that appending needs.

A store keeps the leaves (level 0) and every complete node of levels 4, 8, 12, ... (one
row per 16 below it): about 7 % more rows than leaves. Any other complete node is the
fold of at most 8 consecutive stored nodes one stored level down (`stored_range`), and
the siblings on a leaf's path between two stored levels all lie in one group of 16 of the
lower one, so a proof reads one short range per 4 levels: O(log n) rows, like the tiles
of Go's sumdb and Trillian, but without rewriting a partial tile as it fills (rows are
only ever inserted).

Appending needs only the edge: at each stored level, its unfinished group (at most 15
nodes whose parent is not complete yet). `Edge.append` adds a leaf and returns the rows
it completes; the edge also gives the frontier, hence the root.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from adapters.merkle import EMPTY_ROOT, Node, fold, perfect

STRIDE = 4
GROUP = 1 << STRIDE
Row = tuple[int, int, bytes]  # (level, index, hash) of a stored node


def stored_range(node: Node) -> tuple[int, int, int]:
    """(stored level, first index, end index) of the stored nodes a complete node folds."""
    level, index = node
    rest = level % STRIDE
    return level - rest, index << rest, (index + 1) << rest


def reads(nodes: Iterable[Node]) -> list[tuple[int, int, int]]:
    """The stored ranges (level, lo, hi) to read for these complete nodes, merged."""
    wanted = sorted(stored_range(n) for n in nodes)
    merged: list[tuple[int, int, int]] = []
    for level, lo, hi in wanted:
        if merged and merged[-1][0] == level and lo <= merged[-1][2]:
            merged[-1] = (level, merged[-1][1], max(hi, merged[-1][2]))
        else:
            merged.append((level, lo, hi))
    return merged


def resolve(nodes: Iterable[Node], stored: Mapping[tuple[int, int], bytes]) -> dict[Node, bytes]:
    """The hashes of complete nodes from the stored rows `reads` named (KeyError: missing)."""
    found = {}
    for node in nodes:
        level, lo, hi = stored_range(node)
        found[node] = perfect([stored[(level, i)] for i in range(lo, hi)])
    return found


def edge_ranges(size: int) -> list[tuple[int, int, int]]:
    """The stored nodes that make the edge of a tree of `size` leaves: (level, lo, hi)."""
    ranges, level = [], 0
    while size >> level:
        count = size >> level
        if count % GROUP:
            ranges.append((level, count - count % GROUP, count))
        level += STRIDE
    return ranges


class Edge:
    """The unfinished group of each stored level of a tree of `size` leaves."""

    def __init__(self, size: int = 0, groups: dict[int, list[bytes]] | None = None) -> None:
        self.size = size
        self.groups = groups if groups is not None else {}

    @classmethod
    def of(cls, size: int, stored: Mapping[tuple[int, int], bytes]) -> Edge:
        """The edge from stored nodes (level, index) -> hash, read by `edge_ranges`."""
        groups = {
            level: [stored[(level, i)] for i in range(lo, hi)]
            for level, lo, hi in edge_ranges(size)
        }
        return cls(size, groups)

    def append(self, leaf: bytes) -> list[Row]:
        """Add a leaf; the stored rows it completes (the leaf's own first)."""
        return [(0, self.size, leaf), *self.push(leaf)]

    def push(self, leaf: bytes) -> list[Row] | tuple[()]:
        """Add a leaf; the stored rows above the leaves it completes (mostly none)."""
        self.size += 1
        group = self.groups.get(0)
        if group is None:
            group = self.groups[0] = []
        group.append(leaf)
        if len(group) < GROUP:
            return ()
        rows, level, node = [], 0, leaf
        while len(group) == GROUP:
            node = perfect(group)
            group.clear()
            level += STRIDE
            rows.append((level, (self.size >> level) - 1, node))
            group = self.groups.setdefault(level, [])
            group.append(node)
        return rows

    def extend(self, leaves: Iterable[bytes]) -> list[Row]:
        return [row for leaf in leaves for row in self.append(leaf)]

    def frontier(self) -> list[bytes]:
        """The complete nodes that make the whole tree, largest (leftmost) first."""
        found = []
        for level in sorted(self.groups, reverse=True):
            group, start = self.groups[level], 0
            for bit in (8, 4, 2, 1):
                if len(group) & bit:
                    found.append(perfect(group[start : start + bit]))
                    start += bit
        return found

    def root(self) -> bytes:
        frontier = self.frontier()
        return fold(frontier) if frontier else EMPTY_ROOT

    def copy(self) -> Edge:
        return Edge(self.size, {level: list(g) for level, g in self.groups.items()})
