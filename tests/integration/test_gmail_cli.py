"""`chronicle mailbox add --gmail` tries the grant before it saves the mailbox: a Workspace
service account with delegation connects; one without, or a consent given by someone else
than the mailbox's owner, is refused with the reason and nothing is saved."""

import json
from urllib.parse import quote

import psycopg
import pytest

from adapters.mail.gmail_auth import READONLY, SEND
from tests.support.cli import chronicle
from tests.support.fake_gmail import FakeGoogle

pytestmark = pytest.mark.integration
ADD = ("mailbox", "add", "--workspace", "ws_cli", "--mailbox", "mb_dana", "--address",
       "dana@acme.test", "--gmail")  # fmt: skip


class Db:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def mailboxes(self) -> list[tuple]:
        with psycopg.connect(self.database_url) as conn:
            try:
                return conn.execute(
                    "SELECT mailbox_id, gmail, secret, state FROM email_mailboxes"
                ).fetchall()
            except psycopg.errors.UndefinedTable:
                return []


async def test_a_service_account_with_delegation_connects_the_mailbox(database_url, tmp_path):
    db = Db(database_url)
    with FakeGoogle() as google:
        key = google.oauth.service_account({"dana@acme.test": frozenset({SEND, READONLY})})
        path = tmp_path / "key.json"
        path.write_text(json.dumps(key))
        endpoint = ("--gmail-endpoint", google.api_endpoint)
        added = await chronicle(db, None, *ADD, "--service-account", str(path), *endpoint)
        listed = await chronicle(db, None, "mailbox", "list")
    [(mailbox_id, gmail, secret, state)] = db.mailboxes()
    assert added[0] == 0 and "connected in ws_cli (Gmail, service_account)" in added[1]
    assert (mailbox_id, gmail["auth"], gmail["label"], state) == (
        "mb_dana", "service_account", "INBOX", "connected"
    )  # fmt: skip
    assert json.loads(secret)["client_email"] == key["client_email"]
    assert "gmail service_account" in listed[1] and "state=connected" in listed[1]
    assert key["private_key"].splitlines()[1] not in added[1] + listed[1]


async def test_a_service_account_without_delegation_is_refused_and_nothing_saved(
    database_url, tmp_path
):
    db = Db(database_url)
    with FakeGoogle() as google:
        key = google.oauth.service_account({"someone@acme.test": frozenset({SEND, READONLY})})
        path = tmp_path / "key.json"
        path.write_text(json.dumps(key))
        added = await chronicle(db, None, *ADD, "--service-account", str(path))
    assert added[0] == 1 and "not connected" in added[1] and "unauthorized_client" in added[1]
    assert db.mailboxes() == []


async def test_a_consent_given_by_someone_else_is_not_kept(database_url, tmp_path):
    db = Db(database_url)
    with FakeGoogle() as google:
        client = tmp_path / "client_secret.json"
        client.write_text(google.oauth_client())
        google.signing_in = "eve@acme.test"  # signed in with the wrong account
        endpoint = ("--gmail-endpoint", google.api_endpoint)
        added = await chronicle(db, google, *ADD, "--client-secrets", str(client), *endpoint)
    assert added[0] == 1
    assert "the grant is for eve@acme.test, not dana@acme.test" in added[1]
    assert db.mailboxes() == []


async def test_a_web_client_redirects_to_its_own_page(database_url, tmp_path):
    db = Db(database_url)
    page = "https://chronicle.acme.test/gmail/connected"
    with FakeGoogle() as google:
        client = tmp_path / "client_secret.json"
        client.write_text(google.oauth_client("web", [page]))
        google.signing_in = "dana@acme.test"
        endpoint = ("--gmail-endpoint", google.api_endpoint)
        added = await chronicle(db, google, *ADD, "--client-secrets", str(client), *endpoint)
        elsewhere = await chronicle(db, google, *ADD, "--client-secrets", str(client),
                                    "--redirect-uri", "https://evil.test/", *endpoint)  # fmt: skip
    assert added[0] == 0 and f"redirect_uri={quote(page, safe='')}&" in added[1]
    assert elsewhere[0] == 1 and "no code was pasted" in elsewhere[1]  # Google said no
