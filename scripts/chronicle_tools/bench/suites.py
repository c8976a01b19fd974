"""The benchmark's narrower suites, each a subcommand of `scripts/bench` with its options:

    scripts/bench live [--rate 1000 --seconds 10 --busy 100 --idle 1000 ...]
    scripts/bench reports [--sizes 100 100000] [--runs 20]
    scripts/bench erasure [--events 20000] [--rounds 2]
    scripts/bench scale [--events 20000] [--workers 1 2 4] [--projection timeline]
    scripts/bench size [--events 100000]
    scripts/bench proofs cost|proofs [--envelopes/--rounds | --events/--calls/--workspaces]

Each runs on private servers it starts (never on yours) and prints its figures.
"""

from __future__ import annotations

import argparse
import json

from adapters.logging import configure_logging
from adapters.settings import Settings
from chronicle_tools.bench import contacts_report, erasure, live, proofs, scale, size
from projections.registry import PROJECTIONS


def _quiet(settings: Settings) -> None:
    configure_logging(settings.model_copy(update={"log_level": "warning"}), "bench")


def cmd_live(settings: Settings, args: argparse.Namespace) -> int:
    options = live.Options(
        rate=args.rate,
        seconds=args.seconds,
        busy=args.busy,
        idle=args.idle,
        batch=args.batch,
        rounds=args.rounds,
    )
    figures = live.run(settings, options)
    print(json.dumps(figures, indent=2) if args.json else live.report(figures))
    return 0


def cmd_reports(settings: Settings, args: argparse.Namespace) -> int:
    contacts_report.compare(args.sizes, args.runs)
    return 0


def cmd_erasure(settings: Settings, args: argparse.Namespace) -> int:
    print(json.dumps(erasure.measure(args.events, args.rounds), indent=2))
    return 0


def cmd_scale(settings: Settings, args: argparse.Namespace) -> int:
    _quiet(settings)
    scale.throughput(args.events, args.workers, args.projection)
    return 0


def cmd_size(settings: Settings, args: argparse.Namespace) -> int:
    _quiet(settings)
    print(json.dumps(size.sizes(args.events), indent=2))
    return 0


def cmd_proofs(settings: Settings, args: argparse.Namespace) -> int:
    print(f"results: {proofs.measure(args)}")
    return 0


def register(suites: argparse._SubParsersAction) -> None:
    p = suites.add_parser("live", help="push latency of live streams; cost of many subscribers")
    p.add_argument("--rate", type=float, default=1000.0, help="events a second")
    p.add_argument("--seconds", type=float, default=10.0, help="how long to publish")
    p.add_argument("--busy", type=int, default=100, help="subscribers that get entries")
    p.add_argument("--idle", type=int, default=1000, help="subscribers that get none")
    p.add_argument("--batch", type=int, default=50, help="events a projector transaction")
    p.add_argument("--rounds", type=int, default=3, help="throughput runs of each kind")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(handler=cmd_live)

    p = suites.add_parser("reports", help="the contacts report, small and large workspaces")
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 100_000], help="contacts")
    p.add_argument("--runs", type=int, default=20, help="timed runs of each query")
    p.set_defaults(handler=cmd_reports)

    p = suites.add_parser("erasure", help="what sealing personal data costs")
    p.add_argument("--events", type=int, default=20_000, help="envelopes to ingest")
    p.add_argument(
        "--rounds", type=int, default=2, help="plain and sealed alternately, best of each kept"
    )
    p.set_defaults(handler=cmd_erasure)

    p = suites.add_parser("scale", help="partitioned projectors: events/s by workers")
    p.add_argument("--events", type=int, default=20000)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--projection", nargs="+", default=["timeline"], choices=sorted(PROJECTIONS))
    p.set_defaults(handler=cmd_scale)

    p = suites.add_parser("size", help="bytes of the store, read models and stream per event")
    p.add_argument("--events", type=int, default=100_000)
    p.set_defaults(handler=cmd_size)

    p = suites.add_parser("proofs", help="what transparency-log trees and proofs cost")
    p.add_argument("what", choices=["cost", "proofs"])
    p.add_argument("--envelopes", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workspaces", type=int, default=50, help="of the proofs' store")
    p.add_argument("--out", default="bench-results")
    p.set_defaults(handler=cmd_proofs)
