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
from pathlib import Path

import psycopg

from adapters import runstate
from adapters.bus import credentials as bus_credentials
from adapters.bus.access import server_config
from adapters.settings import Settings
from services.cli.common import database, workspace_id


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


def password_variable(identity: str) -> str:
    """chronicle-ingest -> CHRONICLE_INGEST_PASSWORD."""
    return identity.upper().replace("-", "_") + "_PASSWORD"


def cmd_bus_users(settings: Settings, args: argparse.Namespace) -> int:
    """A NATS server of one's own: `--env` makes passwords for Chronicle's identities (for
    a `.env` file); otherwise the server's whole configuration is written, with those
    passwords (from the environment) and every active producer and reader."""
    import os
    import secrets

    from adapters.bus.access import SERVICES, service_users

    if args.env:
        for name in SERVICES:
            print(f"{password_variable(name)}={secrets.token_urlsafe(24)}")
        return 0
    missing = [password_variable(n) for n in SERVICES if not os.environ.get(password_variable(n))]
    if missing:
        print(
            f"chronicle bus-users: set {', '.join(missing)} (`--env` makes them)", file=sys.stderr
        )
        return 2
    passwords = {name: os.environ[password_variable(name)] for name in SERVICES}
    with psycopg.connect(database(settings), autocommit=True) as conn:
        conn.execute(bus_credentials.DDL)
        users = bus_credentials.users(conn)
    text = server_config(
        args.port,
        args.store_dir,
        args.pid_file,
        [*service_users(passwords), *users],
        host="0.0.0.0",
    )
    if args.output:
        Path(args.output).write_text(text)
        os.chmod(args.output, 0o600)
    else:
        print(text)
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
            "--workspace",
            type=workspace_id,
            action="append",
            required=True,
            help="a workspace (repeatable)",
        )
        create.add_argument("--label", help="who it is for")
        listing = actions.add_parser("list", help="active ones (--all: revoked too)")
        listing.add_argument("--all", action="store_true", help="revoked ones too")
        revoke = actions.add_parser("revoke", help="take one back, without restarting the bus")
        revoke.add_argument("name", help="the user name (`p_…`, `r_…`)")
    users = sub.add_parser(
        "bus-users", help="a NATS server configuration with Chronicle's users, for your own server"
    )
    users.add_argument("--env", action="store_true", help="print new identity passwords")
    users.add_argument("--output", help="write the configuration here (default: print it)")
    users.add_argument("--port", type=int, default=4222, help="client port (default 4222)")
    users.add_argument("--store-dir", default="/data", help="JetStream's folder (default /data)")
    users.add_argument("--pid-file", default="/tmp/nats-server.pid", help="for reloads")
    users.set_defaults(handler=cmd_bus_users)
