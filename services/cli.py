"""The `chronicle` command line."""

from __future__ import annotations

import argparse
import sys

import psycopg

from adapters.embedded import infrastructure
from adapters.logging import configure_logging
from adapters.processes import terminate_on_sigterm
from adapters.settings import Settings


def cmd_up(settings: Settings, args: argparse.Namespace) -> int:
    from services.services import migrate
    from services.supervisor import Supervisor

    with infrastructure(settings.database_url, settings.nats_url, settings.data_dir) as (db, nats):
        settings = settings.model_copy(update={"database_url": db, "nats_url": nats})
        migrate(settings)
        supervisor = Supervisor(
            {"CHRONICLE_DATABASE_URL": db, "CHRONICLE_NATS_URL": nats},
            ingest_partitions=settings.ingest_partitions,
        )
        supervisor.start()
        print(
            f"Chronicle is up: API http://{settings.api_host}:{settings.api_port}  "
            f"NATS {nats}  PostgreSQL {db}  (Ctrl-C stops)",
            file=sys.stderr,
        )
        try:
            supervisor.run_until(lambda: False)
        except KeyboardInterrupt:
            pass
        finally:
            supervisor.stop()
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if args.partition is not None:
        settings = settings.model_copy(update={"ingest_partition": args.partition})
    from services.services import run

    name = args.service if args.service != "projector" else f"projector-{args.name}"
    configure_logging(settings, name)
    run(settings, args.service, args.name)
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from services.demo import demo

    return demo(settings, seed=args.seed)


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from services.api.tokens import create_token, revoke_token

    if not settings.database_url:
        raise SystemExit("set CHRONICLE_DATABASE_URL")
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        if args.action == "create":
            print(
                create_token(
                    conn,
                    args.workspace,
                    args.user,
                    args.role,
                    tuple(args.team),
                    args.label,
                    email_access=args.email_access,
                )
            )
        elif not revoke_token(conn, args.token):
            print("no such active token", file=sys.stderr)
            return 1
    return 0


def cmd_docs(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.docs import write_all

    for path in write_all(Path(args.root)):
        print(f"wrote {path}")
    return 0


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from services.checks import compare_with_rebuild

    if not settings.database_url:
        raise SystemExit("set CHRONICLE_DATABASE_URL")
    results = asyncio.run(compare_with_rebuild(settings.database_url, args.names or None))
    for r in results:
        verdict = "equal" if r.equal else "DIFFERENT"
        tables = ", ".join(f"{t} {n} rows" for t, n in r.rows.items())
        print(f"{r.name}: {verdict} to a rebuild at position {r.position} ({tables})")
        for table, (only_live, only_rebuilt) in r.differences.items():
            print(f"  {table}: {only_live} rows only live, {only_rebuilt} only rebuilt")
    return 0 if all(r.equal for r in results) else 1


def cmd_dlq(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from services.dead_letters import list_dead_letters, replay

    if not settings.database_url:
        raise SystemExit("set CHRONICLE_DATABASE_URL")
    if args.action == "list":
        for d in list_dead_letters(settings.database_url, args.all):
            where = (
                f"stream seq {d['stream_seq']}" if d["stream_seq"] else f"position {d['position']}"
            )
            state = f"replayed {d['replayed_at']:%Y-%m-%d %H:%M}" if d["replayed_at"] else "parked"
            print(
                f"{d['id']:>5}  {d['consumer']:<26} {d['parked_at']:%Y-%m-%d %H:%M:%S}  "
                f"{d['workspace_id'] or '-'} {d['envelope_id'] or '-'} ({where}, {d['type']}) "
                f"{d['attempts']} attempts, {state}: {d['error'][:160]}"
            )
        return 0
    results = asyncio.run(replay(settings.database_url, settings.nats_url, args.ids))
    for r in results:
        print(f"{r.id}: {'replayed' if r.ok else 'NOT replayed'} ({r.consumer}): {r.detail}")
    return 0 if all(r.ok for r in results) else 1


def _database(settings: Settings) -> str:
    if not settings.database_url:
        raise SystemExit("set CHRONICLE_DATABASE_URL")
    return settings.database_url


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    from adapters import signing
    from services.verify import load_checkpoints, verify

    key = (
        signing.public_from_text(args.public_key)
        if args.public_key
        else signing.private_key(settings.data_dir).public_key()
    )
    external = load_checkpoints(args.checkpoints) if args.checkpoints else None
    report = verify(_database(settings), args.workspace, key, external)
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
    import json

    from adapters import signing
    from services.verify import checkpoint

    key = signing.private_key(settings.data_dir)
    if args.public_key:
        print(signing.public_text(key.public_key()))
        return 0
    for made in checkpoint(_database(settings), key):
        print(json.dumps(made))
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from uuid import UUID

    from services.export import export

    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    try:
        count = export(
            _database(settings),
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
        print(
            f"imported {import_(_database(settings), source, not args.quiet)} events",
            file=sys.stderr,
        )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chronicle", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="run every service (private PostgreSQL/NATS unless configured)")
    run = sub.add_parser("run", help="run one service in this process")
    run.add_argument("service", choices=["ingest", "relay", "projector", "api"])
    run.add_argument("name", nargs="?", help="the projection, for `run projector`")
    run.add_argument("--partition", type=int, help="for `run ingest`: the partition to consume")
    demo = sub.add_parser("demo", help="start everything, publish a sample workload, show it")
    demo.add_argument("--seed", type=int, default=7)
    from datetime import datetime

    verify = sub.add_parser("verify", help="walk the hash chains and signed checkpoints")
    verify.add_argument("--workspace")
    verify.add_argument("--public-key", help="the signer's public key (default: this host's)")
    verify.add_argument("--checkpoints", help="checkpoints kept outside the database (JSONL)")
    verify.add_argument("--show", type=int, default=20, help="problems to list")
    checkpoint = sub.add_parser("checkpoint", help="sign every workspace's chain head")
    checkpoint.add_argument("--public-key", action="store_true", help="print the public key")
    export = sub.add_parser("export", help="stored events as JSON Lines")
    export.add_argument("--workspace")
    export.add_argument("--aggregate", help="an aggregate's UUID")
    export.add_argument("--type", help="a wire name, with or without its version")
    export.add_argument("--since", type=datetime.fromisoformat, help="recorded at or after")
    export.add_argument("--until", type=datetime.fromisoformat, help="recorded at or before")
    export.add_argument("-o", "--output", help="a file (default: standard output)")
    export.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    imp = sub.add_parser("import", help="load an export into an empty event store")
    imp.add_argument("file")
    imp.add_argument("-q", "--quiet", action="store_true")
    dlq = sub.add_parser("dlq", help="list and replay dead letters")
    dlq_actions = dlq.add_subparsers(dest="action", required=True)
    dlq_list = dlq_actions.add_parser("list", help="what was parked, and why")
    dlq_list.add_argument("--all", action="store_true", help="include replayed ones")
    dlq_replay = dlq_actions.add_parser("replay", help="send or apply them again")
    dlq_replay.add_argument("ids", nargs="+", type=int)
    check = sub.add_parser("check", help="compare each live read model with a rebuild")
    check.add_argument("names", nargs="*", help="projections (default: all)")
    docs = sub.add_parser("docs", help="regenerate the documents generated from the code")
    docs.add_argument("--root", default=".", help="the repository root")
    token = sub.add_parser("token", help="create or revoke API bearer tokens")
    actions = token.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create")
    create.add_argument("--workspace", required=True)
    create.add_argument("--user", required=True)
    create.add_argument("--role", required=True, choices=["admin", "manager", "agent", "auditor"])
    create.add_argument("--team", action="append", default=[])
    create.add_argument("--label")
    create.add_argument(
        "--email-access",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="see email content (default: yes for admin/manager/auditor)",
    )
    revoke = actions.add_parser("revoke")
    revoke.add_argument("token")
    return p


COMMANDS = {
    "up": cmd_up,
    "run": cmd_run,
    "demo": cmd_demo,
    "token": cmd_token,
    "docs": cmd_docs,
    "check": cmd_check,
    "dlq": cmd_dlq,
    "verify": cmd_verify,
    "checkpoint": cmd_checkpoint,
    "export": cmd_export,
    "import": cmd_import,
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    if args.command in ("up", "demo"):
        configure_logging(settings, args.command)
        terminate_on_sigterm()
    return COMMANDS[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
