"""`demo`: start everything, publish a sample workload, show what it became (scripts/demo)."""

from __future__ import annotations

import argparse

from adapters.logging import configure_logging
from adapters.processes import terminate_on_sigterm
from adapters.settings import Settings
from chronicle_tools.demo.run import demo


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    # It runs services: their lines go to its log, and SIGTERM stops them as Ctrl-C does.
    configure_logging(settings, "demo")
    terminate_on_sigterm()
    return demo(settings, seed=args.seed, keep_running=args.keep_running)


def register(sub: argparse._SubParsersAction) -> None:
    demo_ = sub.add_parser("demo", help="start everything, publish a sample workload, show it")
    demo_.add_argument("--seed", type=int, default=7, help="the sample workload's seed (default 7)")
    demo_.add_argument(
        "--keep-running",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve the console until Ctrl-C after the demo (default: when in a terminal)",
    )
    demo_.set_defaults(handler=cmd_demo)
