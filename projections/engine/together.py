"""Build several projections from the event store in one pass over it: the rebuild's
`--all`, with the very runner the live projector host uses (projections/engine/group.py).

Each batch is read once and decoded once (the events some projection wants), then
applied to every projection in one transaction. Each keeps its own tracking position, so
a pass that stops is resumed by any runner, together or alone.

With `passes` > 1 the projections are split into that many groups of about equal cost
(`Projection.cost`), each built by a process of its own over the same stretch of the
store: on a machine with cores to spare, one group's Python runs beside another's, and
beside PostgreSQL. Each process reads and decodes the events its group wants.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from psycopg import AsyncConnection

from adapters.processes import quiet_garbage_collector
from projections.engine.base import Projection
from projections.engine.group import GroupRunner
from projections.engine.source import max_position

Progress = Callable[[int, int], None]


async def catch_up_together(
    database_url: str,
    projections: Sequence[Projection],
    upto: int | None = None,
    batch: int = 5000,
    progress: Progress | None = None,
    passes: int = 1,
) -> dict[str, int]:
    """Apply everything in the store up to `upto` (default: its head) to each of
    `projections` (schemas created), in `passes` processes; returns each one's position
    (by name)."""
    groups = split(projections, passes)
    if len(groups) <= 1:
        async with (
            await AsyncConnection.connect(database_url, autocommit=True) as conn,
            await AsyncConnection.connect(database_url, autocommit=True) as source,
        ):
            return await GroupRunner(projections).catch_up(conn, upto, batch, progress, source)
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        target = upto if upto is not None else await max_position(conn)
        runner = GroupRunner(projections)
        seen = min((await runner.positions(conn)).values())
        loop = asyncio.get_running_loop()
        context = multiprocessing.get_context("spawn")  # no copy of this process's loop
        with ProcessPoolExecutor(len(groups), mp_context=context) as pool:
            running = [
                loop.run_in_executor(
                    pool, _build, database_url, [(type(p), p.schema) for p in g], target, batch
                )
                for g in groups
            ]
            finished = False
            while not finished:
                finished = all(f.done() for f in running)
                if not finished:
                    await asyncio.wait(running, timeout=0.5)
                at = min((await runner.positions(conn)).values())
                if progress and at > seen:
                    progress(at - seen, at)
                seen = max(seen, at)
            positions: dict[str, int] = {}
            for done in running:
                positions.update(done.result())
        return positions


def split(projections: Sequence[Projection], passes: int) -> list[list[Projection]]:
    """At most `passes` non-empty groups of about equal total cost (largest first, each to
    the group with the least so far)."""
    groups: list[list[Projection]] = [[] for _ in range(max(1, min(passes, len(projections))))]
    totals = [0.0] * len(groups)
    for p in sorted(projections, key=lambda p: -p.cost):
        least = totals.index(min(totals))
        groups[least].append(p)
        totals[least] += p.cost
    return [g for g in groups if g]


def _build(database_url: str, specs: list[tuple[type, str]], upto: int, batch: int) -> dict:
    """One pass's process: its projections built up to `upto`."""
    quiet_garbage_collector()  # millions of short-lived objects: 22 % of the CPU otherwise
    projections = [cls(schema) for cls, schema in specs]
    return asyncio.run(catch_up_together(database_url, projections, upto, batch))
