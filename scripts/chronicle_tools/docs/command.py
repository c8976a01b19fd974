"""`docs`: regenerate the documents generated from the code (scripts/docs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from adapters.settings import Settings
from chronicle_tools import REPO
from chronicle_tools.docs.generate import write_all


def cmd_docs(settings: Settings, args: argparse.Namespace) -> int:
    for path in write_all(Path(args.root)):
        print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    docs = sub.add_parser("docs", help="regenerate the documents generated from the code")
    docs.add_argument("--root", default=str(REPO), help="the repository root (default: this one)")
    docs.set_defaults(handler=cmd_docs)
