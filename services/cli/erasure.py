"""`chronicle erase CONTACT --workspace W`: crypto-shred a contact's personal data."""

from __future__ import annotations

import argparse
import json
import sys

from adapters.settings import Settings
from services.cli.common import database, workspace_id


def cmd_erase(settings: Settings, args: argparse.Namespace) -> int:
    from eventsourcing.application import AggregateNotFoundError

    from domain.shared import Actor
    from services.audit.erasure import erase_contact, reapply

    if args.reapply:
        print(json.dumps({"keys_destroyed_again": reapply(database(settings))}))
        return 0
    if not args.contact or not args.workspace:
        print("give a contact and --workspace (or --reapply)", file=sys.stderr)
        return 2
    if not args.yes:
        if not sys.stdin.isatty():
            print("erasure cannot be undone: give --yes", file=sys.stderr)
            return 2
        answer = input(f"Erase every personal datum of {args.contact} in {args.workspace}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            return 1
    actor = Actor("user", args.by) if args.by else None
    try:
        erasure = erase_contact(database(settings), args.workspace, args.contact, actor)
    except AggregateNotFoundError:
        print(f"no contact {args.contact!r} in workspace {args.workspace!r}", file=sys.stderr)
        return 1
    if settings.nats_url and not args.keep_stream:
        import asyncio

        from services.audit.erasure import purge_ingest_stream

        asyncio.run(purge_ingest_stream(settings.nats_url, erasure))
    print(json.dumps(erasure.report()))
    if erasure.purged is None and not args.keep_stream:
        print(
            "the ingest stream still holds their raw envelopes until they age out: set "
            "CHRONICLE_NATS_URL to delete them too",
            file=sys.stderr,
        )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "erase",
        help="erase a contact's personal data (destroys its keys; events stay and verify)",
        description=(
            "Destroy the keys of a contact, of the contacts merged into it, of their "
            "converted leads and of their email addresses: their personal data then reads "
            "as [erased] everywhere (docs/auditing.md, Erasure). Cannot be undone."
        ),
    )
    p.add_argument("contact", nargs="?", help="the contact's id")
    p.add_argument("--workspace", type=workspace_id, help="the contact's workspace")
    p.add_argument("--by", help="the user who asked (recorded as the actor)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--keep-stream",
        action="store_true",
        help="leave their raw envelopes in the ingest stream (deleted by default when "
        "CHRONICLE_NATS_URL is set)",
    )
    p.add_argument(
        "--reapply",
        action="store_true",
        help="destroy again every key a recorded erasure names (after restoring a backup)",
    )
    p.set_defaults(handler=cmd_erase)
