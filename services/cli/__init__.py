"""The `chronicle` command line.

Each module of this package adds its subcommands with `register(subparsers)`; the list
below is the one place that says which exist. A subcommand sets `handler(settings, args)`
(and `hosts_services=True` when it runs services, which then log and stop on SIGTERM).
"""

from __future__ import annotations

import argparse
import sys

from adapters.logging import configure_logging
from adapters.processes import terminate_on_sigterm
from adapters.settings import Settings
from services.cli import (
    admin,
    audit,
    bench,
    email,
    erasure,
    live,
    proofs,
    rebuild,
    stack,
    status,
    workspace,
)

MODULES = [stack, admin, audit, proofs, rebuild, email, workspace, status, erasure, live, bench]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chronicle", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    for module in MODULES:
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    if getattr(args, "hosts_services", False):
        configure_logging(settings, args.command)
        terminate_on_sigterm()
    return args.handler(settings, args)


if __name__ == "__main__":
    sys.exit(main())
