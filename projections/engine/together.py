"""Build several projections from the event store in one pass over it: the rebuild's
`--all`, with the very runner the live projector host uses (projections/engine/group.py).

Each batch is read once and decoded once (the events some projection wants), then
applied to every projection in one transaction. Each keeps its own tracking position, so
a pass that stops is resumed by any runner, together or alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from psycopg import AsyncConnection

from projections.engine.base import Projection
from projections.engine.group import GroupRunner


async def catch_up_together(
    database_url: str,
    projections: Sequence[Projection],
    upto: int | None = None,
    batch: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Apply everything in the store up to `upto` (default: its head) to each of
    `projections` (schemas created); returns each one's position (by name)."""
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        return await GroupRunner(projections).catch_up(conn, upto, batch, progress)
