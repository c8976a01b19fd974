"""`bench`: throughput, latency and memory beside raw baselines (docs/performance.md), or
one of the narrower suites (suites.py): `live`, `reports`, `erasure`, `scale`, `size`, `proofs`.

scripts/bench runs it. With no suite it runs the benchmark (`runner`); a suite takes its
own options, listed by `scripts/bench SUITE --help`.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from adapters.logging import configure_logging
from adapters.settings import Settings
from chronicle_tools.bench import report, suites
from chronicle_tools.bench.config import PHASES, Config
from chronicle_tools.bench.runner import run


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    configure_logging(settings.model_copy(update={"log_level": "warning"}), "bench")
    # SIGTERM ends the run like Ctrl-C: the databases it made are dropped, servers stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    mode = "quick" if args.quick else "full" if args.full else "default"
    seconds = args.seconds
    config = Config.named(
        mode,
        seed=args.seed,
        phases=tuple(args.only) if args.only else PHASES,
        store_sizes=tuple(args.size) if args.size else None,
        ingest_seconds=seconds,
        pipeline_seconds=seconds,
        steady_rate=args.rate,
        reuse_stores=args.reuse or None,
        out=Path(args.out),
    )
    results = run(config, settings.database_url, settings.nats_url, keep=args.keep)
    print()
    print(report.render(results))
    print(f"\nresults: {results['json']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser(
        "bench",
        help="measure throughput, latency and memory beside raw baselines",
        description=__doc__.split("\n\n", 1)[0],
    )
    size_ = bench.add_mutually_exclusive_group()
    size_.add_argument("--quick", action="store_true", help="seconds: a smoke run (CI runs it)")
    size_.add_argument("--full", action="store_true", help="also rebuild and query 10M events")
    bench.add_argument(
        "--only", action="append", choices=PHASES, help="run this phase (repeatable)"
    )
    bench.add_argument("--seed", type=int, help="workload seed (default 7)")
    bench.add_argument("--seconds", type=float, help="length of the sustained phases")
    bench.add_argument("--rate", type=float, help="events/s of the end-to-end latency run")
    bench.add_argument("--size", type=int, action="append", help="store size(s) to rebuild/query")
    bench.add_argument("--out", default="bench-results", help="folder for the JSON results")
    bench.add_argument("--keep", action="store_true", help="keep the databases made")
    bench.add_argument(
        "--reuse",
        action="store_true",
        help="keep each filled store and use it again in a later run of the same "
        "seed and size (rebuild/queries without loading again)",
    )
    bench.set_defaults(handler=cmd_bench)
    # Each suite sets its own handler, which replaces the benchmark's.
    suites.register(
        bench.add_subparsers(dest="suite", metavar="SUITE", title="suites (instead of it)")
    )
