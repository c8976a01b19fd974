"""Operating Chronicle: `token`, `check`, `dlq`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import psycopg

from adapters.settings import Settings
from services.cli.common import database, workspace_id


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from services.api.tokens import create_token, list_tokens, revoke_token

    with psycopg.connect(database(settings), autocommit=True) as conn:
        if args.action == "create":
            lifetime = timedelta(days=args.expires_in_days) if args.expires_in_days else None
            print(
                create_token(
                    conn,
                    args.workspace,
                    args.user,
                    args.role,
                    tuple(args.team),
                    args.label,
                    email_access=args.email_access,
                    lifetime=lifetime,
                )
            )
        elif args.action == "list":
            for t in list_tokens(conn, args.workspace, args.all):
                ends = f"expires {t['expires_at']:%Y-%m-%d}" if t["expires_at"] else "no expiry"
                if t["revoked_at"]:
                    ends = f"revoked {t['revoked_at']:%Y-%m-%d}"
                print(
                    f"{t['id']:>5}  {t['workspace_id']}  {t['user_id']}  {t['role']}  "
                    f"{t['label'] or '-'}  made {t['created_at']:%Y-%m-%d}  {ends}"
                )
        else:
            try:
                revoked = revoke_token(
                    conn,
                    args.token,
                    token_id=args.id,
                    label=args.label,
                    workspace_id=args.workspace,
                )
            except ValueError as error:
                print(f"chronicle token revoke: {error}", file=sys.stderr)
                return 2
            if not revoked:
                print("no such active token", file=sys.stderr)
                return 1
            print(f"revoked {revoked} token(s)", file=sys.stderr)
    return 0


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    import psycopg

    from services.cli.failures import Failure
    from services.operate.checks import compare_with_rebuild

    try:
        results = asyncio.run(compare_with_rebuild(database(settings), args.names or None))
    except psycopg.errors.UndefinedTable as missing:
        raise Failure(
            f"a read model has no tables yet ({str(missing).splitlines()[0]}): run "
            "`chronicle migrate` or the projector host first"
        ) from None
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "read_model": r.name,
                        "equal": r.equal,
                        "position": r.position,
                        "rows": r.rows,
                        "differences": {
                            t: {"only_live": a, "only_rebuilt": b}
                            for t, (a, b) in r.differences.items()
                        },
                    }
                    for r in results
                ]
            )
        )
        return 0 if all(r.equal for r in results) else 1
    for r in results:
        verdict = "equal" if r.equal else "DIFFERENT"
        tables = ", ".join(f"{t} {n} rows" for t, n in r.rows.items())
        print(f"{r.name}: {verdict} to a rebuild at position {r.position} ({tables})")
        for table, (only_live, only_rebuilt) in r.differences.items():
            print(f"  {table}: {only_live} rows only live, {only_rebuilt} only rebuilt")
    return 0 if all(r.equal for r in results) else 1


def cmd_dlq(settings: Settings, args: argparse.Namespace) -> int:
    from services.operate.dead_letters import list_dead_letters, replay

    url = database(settings)
    if args.action == "list" and args.json:
        for d in list_dead_letters(url, args.all):
            print(
                json.dumps(
                    {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in d.items()}
                )
            )
        return 0
    if args.action == "list":
        for d in list_dead_letters(url, args.all):
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
    results = asyncio.run(replay(url, settings.nats_url, args.ids))
    for r in results:
        print(f"{r.id}: {'replayed' if r.ok else 'NOT replayed'} ({r.consumer}): {r.detail}")
    return 0 if all(r.ok for r in results) else 1


def register(sub: argparse._SubParsersAction) -> None:
    dlq = sub.add_parser("dlq", help="list and replay dead letters")
    dlq.set_defaults(handler=cmd_dlq)
    dlq_actions = dlq.add_subparsers(dest="action", required=True)
    dlq_list = dlq_actions.add_parser("list", help="what was parked, and why")
    dlq_list.add_argument("--all", action="store_true", help="include replayed ones")
    dlq_list.add_argument("--json", action="store_true", help="one JSON object a line")
    dlq_replay = dlq_actions.add_parser("replay", help="send or apply them again")
    dlq_replay.add_argument("ids", nargs="+", type=int, help="dead letter ids (`dlq list`)")
    check = sub.add_parser("check", help="compare each live read model with a rebuild")
    check.add_argument("names", nargs="*", help="projections (default: all)")
    check.add_argument("--json", action="store_true", help="the comparison as JSON")
    check.set_defaults(handler=cmd_check)
    token = sub.add_parser("token", help="create, list or revoke API bearer tokens")
    token.set_defaults(handler=cmd_token)
    actions = token.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="make one (printed once; kept as a hash)")
    create.add_argument(
        "--workspace", type=workspace_id, required=True, help="the workspace it reads"
    )
    create.add_argument("--user", required=True, help="the user it acts for (logs name them)")
    create.add_argument(
        "--role",
        required=True,
        choices=["admin", "manager", "agent", "auditor"],
        help="agents see their teams' rows only; auditors (and admins) read the log",
    )
    create.add_argument("--team", action="append", default=[], help="an agent's team (repeatable)")
    create.add_argument("--label", help="who or what it is for (`token list`, `revoke --label`)")
    create.add_argument(
        "--email-access",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="see email content (default: yes for admin/manager/auditor)",
    )
    create.add_argument(
        "--expires-in-days",
        type=int,
        default=90,
        help="days it is valid (default 90; 0: until revoked)",
    )
    listing = actions.add_parser("list", help="tokens (never their plaintext), by id")
    listing.add_argument("--workspace", type=workspace_id, help="only this workspace's")
    listing.add_argument("--all", action="store_true", help="revoked and expired ones too")
    revoke = actions.add_parser("revoke", help="by the token, its id or its label")
    revoke.add_argument("token", nargs="?", help="the token itself")
    revoke.add_argument("--id", type=int, help="its id (`chronicle token list`)")
    revoke.add_argument("--label", help="every active token with this label")
    revoke.add_argument(
        "--workspace", type=workspace_id, help="with --label: only in this workspace"
    )
