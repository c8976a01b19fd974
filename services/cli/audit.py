"""Auditing the log: `verify`, `checkpoint`, `export`, `import`, `state`."""

from __future__ import annotations

import argparse
import json
import sys
from uuid import UUID

from adapters import signing
from adapters.settings import Settings
from services.cli.common import database, moment, workspace_id


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    from services.audit.verify import load_checkpoints, verify, verify_export

    key = (
        signing.public_from_text(args.public_key)
        if args.public_key
        else signing.known_public_key(settings.data_dir, settings.signing_key)
    )
    external = load_checkpoints(args.checkpoints) if args.checkpoints else None
    heads = witnessed_heads(settings, args.tree_heads)
    if args.export:
        with open(args.export, "rb") as source:
            report = verify_export(source, args.workspace, key, external, heads)
    else:
        report = verify(database(settings), args.workspace, key, external, heads)
    if args.json:
        print(
            json.dumps(
                {
                    "intact": report.intact,
                    "events": report.events,
                    "workspaces": sorted(report.workspaces),
                    "checkpoints": report.checkpoints,
                    "tree_heads": report.tree_heads,
                    "signatures_checked": key is not None,
                    "problems": [vars(p) for p in report.problems],
                }
            )
        )
        return 0 if report.intact else 1
    print(
        f"{report.events} events in {len(report.workspaces)} workspace chains, "
        f"{report.checkpoints} signed checkpoints, {report.tree_heads} signed tree heads: "
        + ("intact" if report.intact else f"{len(report.problems)} PROBLEMS")
    )
    for ws, p in report.first().items():
        print(f"  {ws}: first break at position {p.position}: {p.kind} ({p.detail})")
    if key is None and report.checkpoints:
        print("  (signatures not checked: give --public-key, this host has no signing key)")
    if args.export and external is None:
        print("  (the export's own chain only: give --checkpoints to check it against signed ones)")
    for p in report.problems[: args.show]:
        print(f"    {p.position:>10}  {p.kind:<13} {p.workspace_id}  {p.detail}")
    return 0 if report.intact else 1


def witnessed_heads(settings: Settings, files: list[str] | None) -> list[dict]:
    """Tree heads kept outside the store: given files, and the configured witnesses'."""
    import asyncio

    from services.audit.witness import witnesses
    from services.cli.proofs import load_heads

    async def held() -> list[dict]:
        return [h for w in witnesses(settings.witnesses) for h in await w.held()]

    return load_heads(files) + (asyncio.run(held()) if settings.witnesses else [])


def cmd_checkpoint(settings: Settings, args: argparse.Namespace) -> int:
    from services.audit.verify import checkpoint

    key = signing.private_key(settings.data_dir, settings.signing_key)
    if args.public_key:
        print(signing.public_text(key.public_key()))
        return 0
    if args.list:
        from services.audit.verify import stored_checkpoints

        for kept in stored_checkpoints(database(settings), args.workspace):
            print(json.dumps(kept))
        return 0
    for made in checkpoint(database(settings), key):
        print(json.dumps(made))
    import asyncio

    from services.audit.signing_round import signing_round

    heads = asyncio.run(signing_round(database(settings), key, settings.witnesses))
    print(f"signed {len(heads)} tree heads (chronicle tree-heads lists them)", file=sys.stderr)
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from services.audit.export import export

    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    try:
        count = export(
            database(settings),
            out,
            progress=not args.quiet,
            workspace=args.workspace,
            aggregate=aggregate_of(args.aggregate, args.workspace),
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
    from services.audit.export import import_

    with open(args.file, "rb") as source:
        count = import_(database(settings), source, not args.quiet, partial=args.partial)
    print(f"imported {count} events", file=sys.stderr)
    return 0


def cmd_state(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    import psycopg

    from services.audit.time_travel import state_at

    async def load() -> dict | None:
        async with await psycopg.AsyncConnection.connect(database(settings)) as conn:
            return await state_at(
                conn, args.kind, args.workspace, args.id, version=args.version, as_of=args.as_of
            )

    found = asyncio.run(load())
    if found is None:
        then = f" as of {args.as_of.isoformat()}" if args.as_of else ""
        print(f"{args.kind} {args.id!r} did not exist in {args.workspace}{then}", file=sys.stderr)
        return 1
    import msgspec

    print(json.dumps(msgspec.to_builtins(found), indent=2))
    return 0


def aggregate_of(text: str | None, workspace: str | None) -> UUID | None:
    """An aggregate's UUID, or `KIND:ID` (conversation:conv_1) of the --workspace."""
    if not text:
        return None
    kind, sep, external_id = text.partition(":")
    if not sep:
        return UUID(text)
    from services.audit.time_travel import KINDS

    if kind not in KINDS or not workspace:
        raise SystemExit(f"--aggregate KIND:ID needs --workspace and a kind of {sorted(KINDS)}")
    return KINDS[kind].id_for(workspace, external_id)


def register(sub: argparse._SubParsersAction) -> None:
    verify = sub.add_parser("verify", help="walk the hash chains and signed checkpoints")
    verify.add_argument(
        "--workspace", type=workspace_id, help="only this workspace's chain (default: all)"
    )
    verify.add_argument("--public-key", help="the signer's public key (default: this host's)")
    verify.add_argument("--checkpoints", help="checkpoints kept outside the database (JSONL)")
    verify.add_argument(
        "--tree-heads", action="append", help="tree heads kept elsewhere (JSON Lines; repeatable)"
    )
    verify.add_argument("--export", help="walk this export file instead of the database")
    verify.add_argument("--show", type=int, default=20, help="problems to list")
    verify.add_argument("--json", action="store_true", help="the report as one JSON object")
    verify.set_defaults(handler=cmd_verify)
    checkpoint = sub.add_parser(
        "checkpoint", help="sign every workspace's chain head (and tree head) now"
    )
    checkpoint.add_argument("--public-key", action="store_true", help="print the public key")
    checkpoint.add_argument(
        "--list", action="store_true", help="print the checkpoints kept so far (to keep a copy)"
    )
    checkpoint.add_argument(
        "--workspace", type=workspace_id, help="with --list: only this workspace's"
    )
    checkpoint.set_defaults(handler=cmd_checkpoint)
    export = sub.add_parser("export", help="stored events as JSON Lines")
    export.add_argument(
        "--workspace", type=workspace_id, help="only this workspace's events (default: all)"
    )
    export.add_argument(
        "--aggregate",
        help="an aggregate's UUID, or KIND:ID (conversation:conv_1, with --workspace)",
    )
    export.add_argument("--type", help="a wire name, with or without its version")
    export.add_argument(
        "--since", type=moment, help="recorded at or after (ISO 8601; UTC if no zone)"
    )
    export.add_argument("--until", type=moment, help="recorded at or before")
    export.add_argument("-o", "--output", help="a file (default: standard output)")
    export.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    export.set_defaults(handler=cmd_export)
    state = sub.add_parser("state", help="an aggregate as it stood at a time or a version")
    state.add_argument(
        "kind", choices=["conversation", "contact", "activity"], help="the aggregate's kind"
    )
    state.add_argument("id", help="the producer's id (conv_1, c_ann, ...)")
    state.add_argument(
        "--workspace", type=workspace_id, required=True, help="the workspace it belongs to"
    )
    when = state.add_mutually_exclusive_group()
    when.add_argument(
        "--as-of", type=moment, help="recorded by this time (ISO 8601; UTC if no zone)"
    )
    when.add_argument("--version", type=int, help="after this many events")
    state.set_defaults(handler=cmd_state)
    imp = sub.add_parser("import", help="load an export into an empty event store")
    imp.add_argument("file", help="an export (JSON Lines, `chronicle export`)")
    imp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    imp.add_argument(
        "--partial",
        action="store_true",
        help="accept an export of part of a chain (one aggregate, type or time range)",
    )
    imp.set_defaults(handler=cmd_import)
