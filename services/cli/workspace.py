"""`chronicle workspace ...`: change a workspace's settings and directory as an admin
console would, by publishing `workspace.*` envelopes and printing Chronicle's verdict."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import UTC, datetime

import msgspec

from adapters import bus
from adapters.settings import Settings
from domain.workspace import known_time_zone
from services.cli.common import unset, workspace_id


def envelope(args: argparse.Namespace, type_: str, data: dict) -> dict:
    actor = (
        {"type": "user", "id": args.by, "name": args.by_name}
        if args.by
        else {"type": "system", "id": "chronicle-cli", "name": None}
    )
    return {
        "id": f"cli-{uuid.uuid4()}",
        "type": type_,
        "workspace_id": args.workspace,
        "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "actor": actor,
        "data": data,
    }


async def request(nats_url: str, body: dict, wait: float) -> dict:
    """Publish on the request subject; the answer comes once the envelope is committed."""
    nc = await bus.connect(nats_url, "chronicle-cli", attempts=3)
    try:
        reply = await nc.request(
            bus.request_subject(body["workspace_id"], body["type"]),
            msgspec.json.encode(body),
            headers={bus.MSG_ID: body["id"]},
            timeout=wait,
        )
        return msgspec.json.decode(reply.data)
    finally:
        await nc.close()


def cmd_workspace(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "set-timezone":
        if not known_time_zone(args.zone):
            print(f"{args.zone!r} is not an IANA time zone (e.g. Europe/Paris)", file=sys.stderr)
            return 2
        type_, data = "workspace.settings_changed", {"time_zone": args.zone}
    elif args.action == "add-channel":
        type_, data = "workspace.channel_added", {"channel": args.channel, "name": args.name}
    elif args.action == "delete-channel":
        type_, data = "workspace.channel_deleted", {"channel": args.channel}
    else:
        type_, data = "workspace.user_deleted", {"user_id": args.user}
    if not settings.nats_url:
        raise unset("CHRONICLE_NATS_URL", settings, " (the ingest service must be running)")
    answer = asyncio.run(request(settings.nats_url, envelope(args, type_, data), args.timeout))
    if answer["status"] == "rejected":
        print(f"rejected: {answer['error']['message']}", file=sys.stderr)
        return 1
    print(f"{answer['status']}: {type_} (position {answer.get('position')})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    workspace = sub.add_parser("workspace", help="change a workspace's settings and directory")
    workspace.set_defaults(handler=cmd_workspace)
    actions = workspace.add_subparsers(dest="action", required=True)
    zone = actions.add_parser("set-timezone", help="the IANA zone its reports cut days in")
    zone.add_argument("zone", help="e.g. Europe/Paris, Asia/Kolkata, UTC")
    add = actions.add_parser("add-channel", help="add (or rename, or restore) a channel")
    add.add_argument("channel", help="the channel (whatsapp, email, ...)")
    add.add_argument("--name", help="how the channel is shown")
    drop = actions.add_parser("delete-channel", help="reports keep counting its data")
    drop.add_argument("channel", help="the channel to delete")
    user = actions.add_parser("delete-user", help="logs show the user by id from then on")
    user.add_argument("user", help="the user id")
    for parser in (zone, add, drop, user):
        parser.add_argument("--workspace", type=workspace_id, required=True, help="the workspace")
        parser.add_argument("--by", help="the admin's user id (default: the system)")
        parser.add_argument("--by-name", help="the admin's display name")
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait")
