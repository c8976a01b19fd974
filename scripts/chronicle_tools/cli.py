"""The tools' command line: `demo`, `docs` and `bench [SUITE]`, as scripts/demo,
scripts/docs and scripts/bench run them.

Not a part of the `chronicle` command, which is installed without the tools. Each command
module adds its subcommand with `register(subparsers)`, setting `handler(settings, args)`.
Settings come from the environment only (`CHRONICLE_*`): a tool starts private servers
unless it is given some, and never borrows those of a running `chronicle up`.
"""

from __future__ import annotations

import argparse

from adapters.settings import Settings
from chronicle_tools.bench import command as bench
from chronicle_tools.demo import command as demo
from chronicle_tools.docs import command as docs

COMMANDS = [demo, docs, bench]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m chronicle_tools", description=__doc__.splitlines()[0]
    )
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(Settings(), args)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM where a command turns it into one
        return 130
