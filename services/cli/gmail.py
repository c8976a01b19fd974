"""`chronicle mailbox add --gmail`: connecting a Gmail mailbox, by a person's consent
(the consent address printed, the code pasted back) or a Workspace service account with
domain-wide delegation (its key file). The connection is tried before it is saved."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from adapters.mail import mailboxes
from adapters.mail.gmail_auth import MODIFY, READONLY, SEND, GmailAccount
from adapters.mail.gmail_calls import GmailError
from adapters.mail.gmail_consent import Consent, ConsentFailed, try_grant
from adapters.mail.port import ReconnectNeeded
from adapters.settings import Settings
from services.cli.common import database, moment

SCOPES = {"send+readonly": [SEND, READONLY], "modify": [MODIFY], "send": [SEND]}


def add_gmail(settings: Settings, args: argparse.Namespace) -> int:
    scopes = SCOPES[args.gmail_scopes]
    since = moment(args.since) if args.since else datetime.now(UTC) - timedelta(days=30)
    try:
        if args.service_account:
            account, secret = _service_account(args, scopes)
        elif args.client_secrets:
            account, secret = _consent(args, scopes)
        else:
            print("give --client-secrets (a person consents) or --service-account", file=sys.stderr)
            return 2
        account = GmailAccount.of(
            {
                **account.as_config(),
                "label": args.label,
                "since": since.isoformat(),
                "api_endpoint": args.gmail_endpoint,
            }
        )
        whose = try_grant(account, secret, args.address)
    except (ConsentFailed, GmailError, ReconnectNeeded, OSError, ValueError) as e:
        print(f"not connected: {getattr(e, 'error', None) or e}", file=sys.stderr)
        return 1
    if whose and whose.lower() != args.address.lower():
        print(f"not connected: the grant is for {whose}, not {args.address}", file=sys.stderr)
        return 1
    stored = f"env:{args.password_env}" if args.password_env else secret
    mailbox = mailboxes.Mailbox(
        workspace_id=args.workspace,
        mailbox_id=args.mailbox,
        address=args.address,
        owner_user_id=args.owner,
        team_id=args.team,
        display_name=args.name,
        gmail=account.as_config(),
        secret=stored,
    )
    with psycopg.connect(database(settings), autocommit=True) as conn:
        mailboxes.save(conn, mailbox)
    print(f"mailbox {args.mailbox} connected in {args.workspace} (Gmail, {account.auth})")
    return 0


def _consent(args: argparse.Namespace, scopes: list[str]) -> tuple[GmailAccount, str]:
    if args.password_env:
        raise ValueError("--password-env goes with --service-account: a consent is stored")
    client = json.loads(Path(args.client_secrets).read_text())
    consent = Consent.begin(client, scopes, args.redirect_uri)
    print(f"Open this address, sign in as {args.address} and allow Chronicle:\n\n{consent.url}\n")
    try:
        pasted = input("Paste the code, or the whole address the browser ended on: ")
    except EOFError:
        raise ConsentFailed("no code was pasted") from None
    return consent.finish(pasted)


def _service_account(args: argparse.Namespace, scopes: list[str]) -> tuple[GmailAccount, str]:
    text = Path(args.service_account).read_text()
    key = json.loads(text)
    if key.get("type") != "service_account":
        raise ValueError(f"{args.service_account} is not a service account key file")
    return GmailAccount("service_account", tuple(scopes), key["token_uri"]), text


def describe(m: mailboxes.Mailbox) -> str:
    """How `chronicle mailbox list` shows a Gmail mailbox (never its secret)."""
    account = GmailAccount.of(m.gmail or {})
    scopes = ",".join(s.rsplit("/", 1)[-1] or s for s in account.scopes)
    return f"gmail {account.auth} label={account.label} scopes={scopes}"


def add_arguments(add: argparse.ArgumentParser) -> None:
    gmail = add.add_argument_group("Gmail (docs/email.md, 'Connecting a Gmail mailbox')")
    gmail.add_argument("--gmail", action="store_true", help="send and read through Gmail's API")
    gmail.add_argument("--client-secrets", help="the OAuth client's JSON (Google Cloud console)")
    gmail.add_argument("--redirect-uri", help="default: the client's first redirect URI")
    gmail.add_argument("--service-account", help="a service account key with delegation")
    gmail.add_argument(
        "--gmail-scopes",
        choices=sorted(SCOPES),
        default="send+readonly",
        help="what Chronicle may do with the mailbox (default send+readonly)",
    )
    gmail.add_argument("--label", default="INBOX", help="the Gmail label the poller reads")
    gmail.add_argument("--since", help="the first sync reads mail from (default: 30 days ago)")
    gmail.add_argument("--gmail-endpoint", help=argparse.SUPPRESS)  # a proxy; the tests' fake
