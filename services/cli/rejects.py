"""`chronicle rejects list|show`: what was rejected at the ingest edge, and why."""

from __future__ import annotations

import argparse
import json
import sys

import msgspec

from adapters.settings import Settings
from services.cli.common import database, moment, workspace_id
from services.operate.rejects import RejectFilter, list_rejects, show_reject


def _line(r: dict) -> str:
    reasons = "; ".join(f"{x['field']}: {x['problem']}" for x in r["reasons"])
    return (
        f"{r['id']:>6}  {r['rejected_at']:%Y-%m-%d %H:%M:%S%z}  {r['workspace_id'] or '-'}  "
        f"{r['envelope_id'] or '(no id)'}  {r['type'] or '-'}  {reasons[:200]}"
    )


def cmd_rejects(settings: Settings, args: argparse.Namespace) -> int:
    url = database(settings)
    if args.action == "show":
        found = show_reject(url, args.id)
        if found is None:
            print(f"no reject {args.id}", file=sys.stderr)
            return 1
        print(json.dumps(msgspec.to_builtins(found), indent=2, ensure_ascii=False))
        return 0
    wanted = RejectFilter(
        workspace_id=args.workspace,
        since=args.since,
        until=args.until,
        reason=args.reason,
        field=args.field,
        type=args.type,
        envelope_id=args.envelope,
    )
    found = list_rejects(url, wanted, args.limit)
    for r in found:
        if args.json:
            print(json.dumps(msgspec.to_builtins(r), ensure_ascii=False))
        else:
            print(_line(r))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    rejects = sub.add_parser("rejects", help="list rejected ingest messages, show why")
    rejects.set_defaults(handler=cmd_rejects)
    actions = rejects.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="newest first, with their reasons")
    listing.add_argument(
        "--workspace", type=workspace_id, help="the workspace the producer published for"
    )
    listing.add_argument("--since", type=moment, help="rejected at or after (ISO 8601; UTC)")
    listing.add_argument("--until", type=moment, help="rejected at or before (ISO 8601; UTC)")
    listing.add_argument("--reason", help="a reason's field or problem contains this text")
    listing.add_argument("--field", help="a reason names exactly this field (data.name)")
    listing.add_argument("--type", help="the envelope type (contact.added)")
    listing.add_argument("--envelope", help="the envelope id")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    show = actions.add_parser("show", help="one reject: reasons, subject, headers, kept input")
    show.add_argument("id", type=int, help="the reject's id (first column of the list)")
