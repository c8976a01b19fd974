"""The `chronicle` command line.

Each module of this package adds its subcommands with `register(subparsers)`; the list
below is the one place that says which exist. A subcommand sets `handler(settings, args)`
(and `hosts_services=True` when it runs services, which then log and stop on SIGTERM).
Handlers import the use case they run inside the handler, on purpose: one command loads
only what it needs (`chronicle status` never imports FastAPI, the mail adapters or the
audit walk), which keeps every command's start quick. tests/unit/test_layout.py allows
such imports here and in services/hosted/run.py only.
"""

from __future__ import annotations

import argparse
import sys

from adapters import runstate
from adapters.logging import configure_logging
from adapters.processes import terminate_on_sigterm
from adapters.settings import Settings
from services.cli import (
    admin,
    audit,
    credentials,
    email,
    erasure,
    proofs,
    rebuild,
    rejects,
    stack,
    status,
    workspace,
)
from services.cli.failures import reported

MODULES = [stack, admin, credentials, audit, proofs, rejects, rebuild, email, workspace, status]
MODULES += [erasure]


def parser() -> argparse.ArgumentParser:
    from adapters.metrics import chronicle_version

    p = argparse.ArgumentParser(prog="chronicle", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"chronicle {chronicle_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    for module in MODULES:
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)

    def run() -> int:
        settings = beside_a_running_chronicle(Settings(), args.command)
        if getattr(args, "hosts_services", False):
            configure_logging(settings, args.command)
            terminate_on_sigterm()
        return args.handler(settings, args)

    return reported(args.command, run)


def beside_a_running_chronicle(settings: Settings, command: str) -> Settings:
    """Unset servers are those of the `chronicle up` running on this data folder, if one is
    (adapters/runstate.py); `up` starts its own."""
    if command == "up" or (settings.database_url and settings.nats_url):
        return settings
    state = runstate.read(settings.data_dir)
    found = {k: state[k] for k in ("database_url", "nats_url") if k in state}
    return settings.model_copy(update={k: v for k, v in found.items() if not getattr(settings, k)})


if __name__ == "__main__":
    sys.exit(main())
