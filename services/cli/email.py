"""Connecting mailboxes: `chronicle mailbox add|list|remove`."""

from __future__ import annotations

import argparse
import sys

import psycopg

from adapters.mail import mailboxes
from adapters.settings import Settings
from services.cli import gmail
from services.cli.common import database, workspace_id


def _server(text: str | None, default_port: int) -> tuple[str, int] | None:
    if not text:
        return None
    host, _, port = text.rpartition(":") if ":" in text else (text, "", str(default_port))
    return host, int(port)


def cmd_add(settings: Settings, args: argparse.Namespace) -> int:
    if args.gmail:
        return gmail.add_gmail(settings, args)
    smtp = _server(args.smtp, 587)
    imap = _server(args.imap, 993)
    if not (smtp or imap or args.maildir):
        print("give --smtp, --imap and/or --maildir (or --gmail)", file=sys.stderr)
        return 2
    secret = f"env:{args.password_env}" if args.password_env else args.password
    mailbox = mailboxes.Mailbox(
        workspace_id=args.workspace,
        mailbox_id=args.mailbox,
        address=args.address,
        owner_user_id=args.owner,
        team_id=args.team,
        display_name=args.name,
        smtp={
            "host": smtp[0],
            "port": smtp[1],
            "security": args.smtp_security,
            "username": args.username,
        }
        if smtp
        else None,
        imap={
            "host": imap[0],
            "port": imap[1],
            "security": args.imap_security,
            "username": args.username,
            "folder": args.folder,
            "sent_folder": args.sent_folder,
        }
        if imap
        else None,
        maildir=args.maildir,
        secret=secret,
    )
    with psycopg.connect(database(settings), autocommit=True) as conn:
        mailboxes.save(conn, mailbox)
    print(f"mailbox {args.mailbox} connected in {args.workspace}")
    return 0


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    with psycopg.connect(database(settings), autocommit=True) as conn:
        mailboxes.ensure_tables(conn)
        for m in mailboxes.load_all(conn):
            ways = [
                f"smtp {m.smtp['host']}:{m.smtp['port']}" if m.smtp else "",
                f"imap {m.imap['host']}:{m.imap['port']}" if m.imap else "",
                f"maildir {m.maildir}" if m.maildir else "",
                gmail.describe(m) if m.gmail else "",
            ]
            secret = (
                "env " + m.secret[4:]
                if (m.secret or "").startswith("env:")
                else ("stored" if m.secret else "none")
            )
            state = m.state
            if m.state != mailboxes.CONNECTED:
                state += f" since {m.state_changed_at:%Y-%m-%d %H:%M} ({m.state_reason})"
            print(
                f"{m.workspace_id}/{m.mailbox_id} {m.address} team={m.team_id} "
                f"owner={m.owner_user_id} {' '.join(w for w in ways if w)} secret={secret} "
                f"state={state}"
            )
    return 0


def cmd_remove(settings: Settings, args: argparse.Namespace) -> int:
    with psycopg.connect(database(settings), autocommit=True) as conn:
        if not mailboxes.remove(conn, args.workspace, args.mailbox):
            print("no such mailbox", file=sys.stderr)
            return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    mailbox = sub.add_parser("mailbox", help="connect mailboxes for sending and polling")
    actions = mailbox.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="connect (or reconnect) a mailbox")
    add.add_argument(
        "--workspace", type=workspace_id, required=True, help="the workspace the mailbox serves"
    )
    add.add_argument("--mailbox", required=True, help="the mailbox id emails name")
    add.add_argument("--address", required=True, help="its email address (From)")
    add.add_argument("--name", help="display name for From")
    add.add_argument("--owner", help="the user whose mailbox it is")
    add.add_argument("--team", help="the team that owns its emails")
    add.add_argument("--smtp", help="host[:port] to send through (default port 587)")
    add.add_argument(
        "--smtp-security",
        choices=["none", "starttls", "ssl"],
        default="starttls",
        help="how to reach the SMTP server (default starttls)",
    )
    add.add_argument("--imap", help="host[:port] to read from (default port 993)")
    add.add_argument(
        "--imap-security",
        choices=["none", "starttls", "ssl"],
        default="ssl",
        help="how to reach the IMAP server (default ssl)",
    )
    add.add_argument("--folder", default="INBOX", help="IMAP folder to read")
    add.add_argument("--sent-folder", help="IMAP folder where sent mail shows (e.g. Sent)")
    add.add_argument("--maildir", help="a Maildir to read instead of IMAP")
    add.add_argument("--username", help="login (default: the address)")
    add.add_argument("--password-env", help="environment variable holding the password")
    add.add_argument("--password", help="the password, stored in the database")
    gmail.add_arguments(add)
    add.set_defaults(handler=cmd_add)
    actions.add_parser("list", help="connected mailboxes").set_defaults(handler=cmd_list)
    rm = actions.add_parser("remove", help="disconnect a mailbox")
    rm.add_argument("--workspace", type=workspace_id, required=True, help="the mailbox's workspace")
    rm.add_argument("--mailbox", required=True, help="the mailbox id")
    rm.set_defaults(handler=cmd_remove)
