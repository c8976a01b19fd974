"""Auditing the log: `verify`, `checkpoint`, `export`, `import`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from uuid import UUID

from adapters import signing
from adapters.settings import Settings
from services.cli.common import database


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    from services.verify import load_checkpoints, verify

    key = (
        signing.public_from_text(args.public_key)
        if args.public_key
        else signing.private_key(settings.data_dir, settings.signing_key).public_key()
    )
    external = load_checkpoints(args.checkpoints) if args.checkpoints else None
    report = verify(database(settings), args.workspace, key, external)
    print(
        f"{report.events} events in {len(report.workspaces)} workspace chains, "
        f"{report.checkpoints} signed checkpoints: "
        + ("intact" if report.intact else f"{len(report.problems)} PROBLEMS")
    )
    for ws, p in report.first().items():
        print(f"  {ws}: first break at position {p.position}: {p.kind} ({p.detail})")
    for p in report.problems[: args.show]:
        print(f"    {p.position:>10}  {p.kind:<13} {p.workspace_id}  {p.detail}")
    return 0 if report.intact else 1


def cmd_checkpoint(settings: Settings, args: argparse.Namespace) -> int:
    from services.verify import checkpoint

    key = signing.private_key(settings.data_dir, settings.signing_key)
    if args.public_key:
        print(signing.public_text(key.public_key()))
        return 0
    for made in checkpoint(database(settings), key):
        print(json.dumps(made))
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from services.export import export

    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    try:
        count = export(
            database(settings),
            out,
            progress=not args.quiet,
            workspace=args.workspace,
            aggregate=UUID(args.aggregate) if args.aggregate else None,
            type_=args.type,
            since=args.since,
            until=args.until,
        )
    finally:
        if args.output:
            out.close()
    print(f"exported {count} events", file=sys.stderr)
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from services.export import import_

    with open(args.file, "rb") as source:
        count = import_(database(settings), source, not args.quiet)
    print(f"imported {count} events", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    verify = sub.add_parser("verify", help="walk the hash chains and signed checkpoints")
    verify.add_argument("--workspace")
    verify.add_argument("--public-key", help="the signer's public key (default: this host's)")
    verify.add_argument("--checkpoints", help="checkpoints kept outside the database (JSONL)")
    verify.add_argument("--show", type=int, default=20, help="problems to list")
    verify.set_defaults(handler=cmd_verify)
    checkpoint = sub.add_parser("checkpoint", help="sign every workspace's chain head")
    checkpoint.add_argument("--public-key", action="store_true", help="print the public key")
    checkpoint.set_defaults(handler=cmd_checkpoint)
    export = sub.add_parser("export", help="stored events as JSON Lines")
    export.add_argument("--workspace")
    export.add_argument("--aggregate", help="an aggregate's UUID")
    export.add_argument("--type", help="a wire name, with or without its version")
    export.add_argument("--since", type=datetime.fromisoformat, help="recorded at or after")
    export.add_argument("--until", type=datetime.fromisoformat, help="recorded at or before")
    export.add_argument("-o", "--output", help="a file (default: standard output)")
    export.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    export.set_defaults(handler=cmd_export)
    imp = sub.add_parser("import", help="load an export into an empty event store")
    imp.add_argument("file")
    imp.add_argument("-q", "--quiet", action="store_true")
    imp.set_defaults(handler=cmd_import)
