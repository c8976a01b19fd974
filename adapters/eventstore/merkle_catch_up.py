"""Bring trees up to their chains where they lag: a store from before trees, an import, a
benchmark load (they write events and chains, not trees). Run by the signing round (the
relay's, `chronicle checkpoint`, `chronicle tree-heads --sign`), and by `import`."""

from __future__ import annotations

from typing import Any

from psycopg.rows import tuple_row

from adapters.eventstore import table
from adapters.eventstore.merkle_store import catch_up, read_edges

# Per workspace (a loose index scan over event_chain_head): its chain's last event, and its
# tree's last leaf, where the tree lags.
_LAGGING = """
WITH RECURSIVE workspaces(ws) AS (
    SELECT min(workspace_id) FROM event_chain
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM event_chain WHERE workspace_id > ws)
    FROM workspaces WHERE ws IS NOT NULL
)
SELECT ws, head.notification_id, l.idx, l.position FROM workspaces
CROSS JOIN LATERAL (
    SELECT notification_id FROM event_chain WHERE workspace_id = ws
    ORDER BY notification_id DESC LIMIT 1
) AS head
LEFT JOIN LATERAL (
    SELECT idx, position FROM merkle_nodes WHERE workspace_id = ws AND level = 0
    ORDER BY idx DESC LIMIT 1
) AS l ON true
WHERE ws IS NOT NULL AND (l.position IS NULL OR l.position < head.notification_id)
"""


def catch_up_all(conn: Any) -> int:
    """Bring every workspace's tree up to its chain (a store from before trees, an import,
    a benchmark load): the events table locked as an insert locks it, so no batch is
    stored meanwhile. How many leaves were added (0, and no lock, when none lag)."""
    with conn.cursor(row_factory=tuple_row) as curs:
        curs.execute(_LAGGING)
        if not curs.fetchall():
            return 0
        added = 0
        with conn.transaction():
            table.lock(curs)
            curs.execute(_LAGGING)
            lagging = curs.fetchall()
            sizes = {ws: 0 if idx is None else idx + 1 for ws, _, idx, _ in lagging}
            edges = read_edges(curs, sizes)
            for ws, head, _, last_position in lagging:
                added += catch_up(curs, ws, edges[ws], last_position or 0, head + 1)
        return added
