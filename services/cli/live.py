"""Live feeds: `bench-live`, the push latency of live streams and what subscribers cost."""

from __future__ import annotations

import argparse
import json


def cmd_bench_live(settings, args: argparse.Namespace) -> int:
    from services.bench_live import Options, report, run

    options = Options(
        rate=args.rate,
        seconds=args.seconds,
        busy=args.busy,
        idle=args.idle,
        batch=args.batch,
        rounds=args.rounds,
    )
    figures = run(settings, options)
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser(
        "bench-live", help="push latency p50/p99 of live streams; cost of many subscribers"
    )
    bench.add_argument("--rate", type=float, default=1000.0, help="events a second")
    bench.add_argument("--seconds", type=float, default=10.0, help="how long to publish")
    bench.add_argument("--busy", type=int, default=100, help="subscribers that get entries")
    bench.add_argument("--idle", type=int, default=1000, help="subscribers that get none")
    bench.add_argument("--batch", type=int, default=50, help="events a projector transaction")
    bench.add_argument("--rounds", type=int, default=3, help="throughput runs of each kind")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.set_defaults(handler=cmd_bench_live)
