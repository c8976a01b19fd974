"""`chronicle producer|reader create|list|revoke`: credentials on the bus (docs/security.md).

A producer may publish into its workspaces and read their reject notices; a reader may
read their stored events. The password is printed once; only its bcrypt hash is kept.
Next to a `chronicle up` with its private nats-server, the server takes the change at once;
on a NATS server of one's own, `chronicle bus-users` prints the users to configure.
"""

from __future__ import annotations

import argparse
import json
import sys

import psycopg

from adapters import bus_credentials, runstate
from adapters.bus_access import server_config
from adapters.settings import Settings
from services.cli.common import database


def _reload(settings: Settings) -> str:
    """Have the private nats-server of a running `chronicle up` reread its users."""
    state = runstate.read(settings.data_dir)
    store = settings.data_dir / "nats"
    pid_file = store / "nats-server.pid"
    if not state.get("private_nats") or not pid_file.exists():
        return "configure your NATS server with `chronicle bus-users` and reload it"
    from adapters.embedded import reload_config, write_config

    with psycopg.connect(database(settings), autocommit=True) as conn:
        users = bus_credentials.users(conn)
    port = json.loads((store / "nats.conf").read_text())["port"]
    write_config(store, port, users)
    reload_config(store, int(pid_file.read_text().strip()))
    return "the running nats-server has taken it"


def cmd_credentials(settings: Settings, args: argparse.Namespace) -> int:
    role = args.command
    with psycopg.connect(database(settings), autocommit=True) as conn:
        if args.action == "create":
            try:
                made = bus_credentials.create(conn, role, args.workspace, args.label)
            except ValueError as error:
                print(f"chronicle {role} create: {error}", file=sys.stderr)
                return 2
            found = {
                "user": made.name,
                "password": made.password,
                "inbox_prefix": made.inbox_prefix(),
                "role": role,
                "workspaces": made.workspaces,
            }
        elif args.action == "list":
            for c in bus_credentials.listed(conn, args.all):
                if c.role == role:
                    state = f"revoked {c.revoked_at:%Y-%m-%d %H:%M}" if c.revoked_at else "active"
                    print(
                        f"{c.name}  {','.join(c.workspaces)}  {c.label or '-'}  "
                        f"made {c.created_at:%Y-%m-%d %H:%M}  {state}"
                    )
            return 0
        elif not bus_credentials.revoke(conn, args.name):
            print(f"no active {role} {args.name!r}", file=sys.stderr)
            return 1
        else:
            found = None
    note = _reload(settings)
    if found:
        print(json.dumps(found, indent=2))
        print(
            f"(shown once; connect with inbox prefix {found['inbox_prefix']}; {note})",
            file=sys.stderr,
        )
    else:
        print(f"revoked {args.name}; {note}", file=sys.stderr)
    return 0


def cmd_bus_users(settings: Settings, args: argparse.Namespace) -> int:
    """The authorization block for a NATS server of one's own: Chronicle's identities
    (passwords from the environment variables named) and every active credential."""
    from adapters.bus_access import SERVICES, service_users

    with psycopg.connect(database(settings), autocommit=True) as conn:
        users = bus_credentials.users(conn)
    passwords = {name: "$" + name.upper().replace("-", "_") + "_PASSWORD" for name in SERVICES}
    config = json.loads(
        server_config(
            4222,
            "/data",
            "/var/run/nats.pid",
            [
                *service_users(passwords),
                *users,
            ],
        )
    )
    print(json.dumps({"authorization": config["authorization"]}, indent=2))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    for role, what in (
        ("producer", "publish into chosen workspaces and read their reject notices"),
        ("reader", "read chosen workspaces' stored events"),
    ):
        p = sub.add_parser(role, help=f"bus credentials that may {what}")
        p.set_defaults(handler=cmd_credentials)
        actions = p.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="make one (its password is shown once)")
        create.add_argument(
            "--workspace", action="append", required=True, help="a workspace (repeatable)"
        )
        create.add_argument("--label", help="who it is for")
        listing = actions.add_parser("list", help="active ones (--all: revoked too)")
        listing.add_argument("--all", action="store_true")
        revoke = actions.add_parser("revoke", help="take one back, without restarting the bus")
        revoke.add_argument("name", help="the user name (`p_…`, `r_…`)")
    users = sub.add_parser("bus-users", help="the NATS authorization block for your own server")
    users.set_defaults(handler=cmd_bus_users)
