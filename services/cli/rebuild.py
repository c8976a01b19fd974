"""Operating read models: `chronicle rebuild NAME ...|--all` (blue/green, no downtime)."""

from __future__ import annotations

import argparse
import asyncio
import os

from adapters.settings import Settings
from services.cli.common import database


def cmd_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.processes import garbage_collector_quieted
    from projections.registry import PROJECTIONS, projection
    from services.operate.rebuild import build_together, rebuild_each

    if bool(args.names) == bool(args.all):
        raise SystemExit("name the projections to rebuild, or --all")
    classes = list(PROJECTIONS.values()) if args.all else [type(projection(n)) for n in args.names]

    async def run() -> None:
        if len(classes) > 1:  # one pass over the store builds them all
            events, seconds = await build_together(
                database(settings),
                classes,
                batch=args.batch,
                progress=not args.quiet,
                passes=args.passes,
            )
            print(
                f"{len(classes)} read models built together: {events} events in "
                f"{seconds:.1f}s ({events / max(seconds, 1e-9):,.0f} events/s)"
            )
        rebuilt = await rebuild_each(
            database(settings),
            classes,
            at_once=args.passes,
            batch=args.batch,
            keep_old=args.keep_old,
            progress=not args.quiet,
        )
        for done in rebuilt:
            retired = (
                "none was serving"
                if done.retired is None
                else f"{done.retired} {'dropped' if done.retired_dropped else 'kept'}"
            )
            resumed = f", resumed at {done.resumed_from}" if done.resumed_from else ""
            print(
                f"{done.name}: {done.events} events in {done.seconds:.1f}s "
                f"({done.rate:,.0f} events/s{resumed}); version {done.version} swapped in at "
                f"position {done.position} in {done.swap_seconds * 1000:.0f} ms; "
                f"old schema: {retired}"
            )

    with garbage_collector_quieted():  # a pass in this process makes objects by the million
        asyncio.run(run())
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    rebuild = sub.add_parser(
        "rebuild",
        help="rebuild read models from the event store into new tables, then swap them in",
    )
    rebuild.add_argument("names", nargs="*", metavar="NAME", help="projections to rebuild")
    rebuild.add_argument(
        "--all", action="store_true", help="every projection: built together, then swapped in"
    )
    rebuild.add_argument("--batch", type=int, default=10_000, help="events read per query")
    rebuild.add_argument(
        "--passes",
        type=int,
        default=min(os.cpu_count() or 1, 2),
        help="processes that build several read models at once, each a share of them, and "
        "read models finished (indexes, swap) at once "
        "(default: 2 where there are 2 cores; more were slower on 2 cores)",
    )
    rebuild.add_argument(
        "--keep-old", action="store_true", help="keep the replaced schema (rm_NAME__old<n>)"
    )
    rebuild.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    rebuild.set_defaults(handler=cmd_rebuild)
