"""Gmail through the whole of Chronicle: a person connects a mailbox with `chronicle mailbox
add --gmail` (the consent address printed, the address the browser ended on pasted back),
emails go out through it; the person revokes the grant, and the mailbox says it needs
reconnecting (CLI and API) instead of failing again and again; connected again, it works.
Also: a sender that dies between Gmail's yes and the record finds the email by its SENT
label, and a mailbox read over IMAP before it was connected with Gmail records each
message once. The fake is Google's HTTP API only; PostgreSQL and NATS are real."""

import json
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from adapters.mail import mailboxes
from chronicle_tools.workload import Producer
from services.mail.poller import Poller
from services.mail.sender import Sender
from tests.support.bus import publish_all
from tests.support.cli import chronicle
from tests.support.fake_gmail import FakeGoogle
from tests.support.mailservers import Dovecot
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
WS = "ws_gmail"
DANA = ("user", "u_17", "Dana")
INBOUND = (
    b"From: Ann Lee <ann@example.com>\r\nTo: dana@acme.test\r\nSubject: Re: Your refund\r\n"
    b"Message-ID: <in-1@example.com>\r\nDate: Fri, 20 Nov 2026 09:00:00 +0000\r\n\r\n"
    b"It arrived, thank you!\r\n"
)


def queued_email(email_id: str, contact: bool = False) -> list:
    p = Producer(WS, email_id)
    at = datetime.now(UTC) - timedelta(minutes=5)
    steps = []
    if contact:
        added = {"contact_id": "c_ann", "source": "user", "emails": ["ann@example.com"]}
        steps.append(p.envelope("contact.added", added, DANA, at - timedelta(seconds=1)))
    draft = {
        "email_id": email_id, "mailbox_id": "mb_dana", "team_id": "support",
        "recipients": [{"address": "ann@example.com"}], "subject": "Your refund",
        "content": "Refunded.", "content_type": "text/plain",
    }  # fmt: skip
    steps.append(p.envelope("email.drafted", draft, DANA, at))
    steps.append(p.envelope("email.queued", {"email_id": email_id}, DANA, at))
    return steps


def stored_secret(database_url: str) -> dict:
    with psycopg.connect(database_url) as conn:
        return json.loads(conn.execute("SELECT secret FROM email_mailboxes").fetchone()[0])


async def email(stack: Stack, email_id: str) -> dict:
    async with stack.client(stack.token(WS)) as api:
        return (await api.get(f"/v1/emails/{email_id}")).json()


async def _final(stack: Stack, email_id: str) -> dict | None:
    found = await email(stack, email_id)
    return found if found.get("status") in ("sent", "failed") else None


async def test_connect_send_revoke_see_reconnect_needed_and_connect_again(
    settings, tmp_path, capfd
):
    fast = settings.model_copy(update={"sender_interval": 0.1, "poller_interval": 0.2})
    add = ("mailbox", "add", "--workspace", WS, "--mailbox", "mb_dana", "--address",
           "dana@acme.test", "--team", "support", "--gmail")  # fmt: skip
    with FakeGoogle() as google:
        client = tmp_path / "client_secret.json"
        client.write_text(google.oauth_client())
        google.signing_in = "dana@acme.test"
        connect = (*add, "--client-secrets", str(client), "--gmail-endpoint", google.api_endpoint)
        connected = await chronicle(settings, google, *connect)
        secret = stored_secret(settings.database_url)
        async with Stack(fast) as stack:
            sender, poller = Sender(fast), Poller(fast)
            await sender.start()
            await poller.start()
            try:
                await publish_all(settings.nats_url, queued_email("em_1", contact=True))
                sent = await until(lambda: _final(stack, "em_1"), what="the first email")
                google.revoke(secret["refresh_token"])  # in the person's Google account
                await publish_all(settings.nats_url, queued_email("em_2"))
                refused = await until(lambda: _final(stack, "em_2"), what="the second email")
                await until(lambda: _state(settings, "reconnect_needed"), what="the state")
                asked = google.count("token:refresh_token")
                await poller.poll_all()
                await poller.poll_all()
                asked_again = google.count("token:refresh_token")
                listed = await chronicle(settings, None, "mailbox", "list")
                async with stack.client(stack.token(WS)) as api:
                    shown = (await api.get("/v1/mailboxes/mb_dana")).json()
                other_team = stack.token(WS, role="agent", teams=("sales",))
                async with stack.client(other_team) as api:
                    hidden = (await api.get("/v1/mailboxes")).json()["mailboxes"]
                again = await chronicle(settings, google, *connect)
                google.deliver("dana@acme.test", INBOUND)
                async with stack.client(stack.token(WS)) as api:
                    await until(lambda: _on_timeline(api), what="mail read after reconnecting")
                    reconnected = (await api.get("/v1/mailboxes")).json()["mailboxes"]
            finally:
                await poller.stop()
                await sender.stop()
        with psycopg.connect(settings.database_url) as conn:
            events = conn.execute("SELECT string_agg(encode(state, 'escape'), '') "
                                  "FROM chronicle_events").fetchone()[0]  # fmt: skip
    assert connected[0] == 0 and "mb_dana connected in ws_gmail (Gmail, oauth)" in connected[1]
    assert "Open this address, sign in as dana@acme.test" in connected[1]
    assert sent["status"] == "sent" and sent["entries"][-1]["details"]["server_response"]
    assert refused["status"] == "failed" and "invalid_grant" in refused["error"]
    assert "connect it again" in refused["error"]
    assert asked_again == asked  # a mailbox that needs reconnecting is left alone
    [line] = [x for x in listed[1].splitlines() if x.startswith(f"{WS}/mb_dana")]
    assert "gmail oauth label=INBOX scopes=gmail.readonly,gmail.send" in line
    assert "state=reconnect_needed since" in line and "invalid_grant" in line
    assert (shown["state"], shown["sends_with"], shown["reads_with"]) == (
        "reconnect_needed",
        "gmail",
        "gmail",
    )
    assert "invalid_grant" in shown["state_reason"]
    assert hidden == []  # an agent sees the mailboxes of their teams only
    assert again[0] == 0 and [m["state"] for m in reconnected] == ["connected"]
    # Tokens stay in the mailbox table: not in events, not printed, not logged.
    logged = "".join(capfd.readouterr())
    for value in (secret["refresh_token"], secret["client_secret"]):
        assert value not in events and value not in connected[1] + listed[1] + again[1]
        assert value not in logged


async def _state(settings, wanted: str) -> bool:
    with psycopg.connect(settings.database_url) as conn:
        return conn.execute("SELECT state FROM email_mailboxes").fetchone()[0] == wanted


async def _on_timeline(api) -> bool:
    page = (await api.get("/v1/contacts/c_ann/emails?direction=inbound")).json()
    return [e["subject"] for e in page["emails"]] == ["Re: Your refund"]


class Crash(BaseException):
    """The process dying, as far as the sender's task can tell."""


async def test_an_interrupted_gmail_send_is_found_by_its_sent_label(settings):
    with FakeGoogle() as google:
        account, secret = google.connected("dana@acme.test")
        async with Stack(settings) as stack:
            with psycopg.connect(settings.database_url, autocommit=True) as conn:
                mailboxes.save(conn, mailboxes.Mailbox(
                    WS, "mb_dana", "dana@acme.test", gmail=account.as_config(), secret=secret
                ))  # fmt: skip
            quick = settings.model_copy(update={"sender_interval": 0.1})
            first = Sender(quick)

            async def crash(*args, **kwargs):
                raise Crash

            first._sent = crash  # dies right after Gmail accepted, before recording
            await first.start()
            await publish_all(settings.nats_url, queued_email("em_crash"))
            await until(lambda: _sent_in_gmail(google), what="Gmail to get the message")
            with pytest.raises(Crash):
                await first.stop()
            await first.broker.stop()
            await first.close()
            second = Sender(quick)
            await second.start()
            try:
                done = await until(lambda: _final(stack, "em_crash"), what="the new sender")
            finally:
                await second.stop()
    assert google.count("users.messages.send") == 1
    assert done["status"] == "sent" and second.resolved == 1
    assert done["entries"][-1]["details"]["confirmed_by"] == "sent_folder"


async def _sent_in_gmail(google: FakeGoogle) -> bool:
    return google.count("users.messages.send") == 1


async def test_a_mailbox_read_over_imap_and_then_gmail_records_each_message_once(settings):
    dovecot = Dovecot()
    try:
        with FakeGoogle() as google:
            account, secret = google.connected("dana@acme.test")
            dovecot.deliver(INBOUND)
            google.deliver("dana@acme.test", INBOUND)  # the same mailbox, seen two ways
            later = INBOUND.replace(b"<in-1@", b"<in-2@").replace(b"It arrived", b"Also")
            google.deliver("dana@acme.test", later)
            imap = {"host": "127.0.0.1", "port": dovecot.port, "security": "none",
                    "username": dovecot.user}  # fmt: skip
            async with Stack(settings) as stack:
                with psycopg.connect(settings.database_url, autocommit=True) as conn:
                    mailboxes.save(conn, mailboxes.Mailbox(
                        WS, "mb_dana", "dana@acme.test", imap=imap, secret=dovecot.password
                    ))  # fmt: skip
                poller = Poller(settings.model_copy(update={"poller_interval": 3600}))
                await poller.start()  # reads the mailboxes once, over IMAP
                try:
                    await until(lambda: _polled(poller), what="the poll over IMAP")
                    with psycopg.connect(settings.database_url, autocommit=True) as conn:
                        mailboxes.save(conn, mailboxes.Mailbox(
                            WS, "mb_dana", "dana@acme.test", gmail=account.as_config(),
                            secret=secret,
                        ))  # fmt: skip
                    await poller.poll_all()  # and now through Gmail
                finally:
                    await poller.stop()
                await until(stack.settled, what="the pipeline to settle")
                with psycopg.connect(settings.database_url) as conn:
                    received = conn.execute(
                        "SELECT count(*) FROM chronicle_events WHERE topic = 'email.received.v1'"
                    ).fetchone()[0]
                    seen = [k.split(":")[0] for (k,) in conn.execute(
                        "SELECT key FROM email_poll_seen ORDER BY seen_at")]  # fmt: skip
    finally:
        dovecot.close()
    assert seen == ["imap", "gmail", "gmail"]  # three reads...
    assert received == 2  # ...of two messages


async def _polled(poller: Poller) -> bool:
    return poller.polls >= 1


async def test_an_owner_connects_gmail_through_the_api_web_flow(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake Google is plain HTTP
    quick = settings.model_copy(update={"sender_interval": 0.1})
    with FakeGoogle() as google:
        stack = Stack(quick)
        callback = f"{stack.url}/v1/gmail/consent/callback"
        client = tmp_path / "web_client.json"
        client.write_text(google.oauth_client("web", [callback]))
        gmail = {"gmail_client_secrets": client, "gmail_redirect_uri": callback,
                 "gmail_api_endpoint": google.api_endpoint}  # fmt: skip
        stack.settings = stack.settings.model_copy(update=gmail)  # before the API starts
        async with stack:
            wanted = {"address": "dana@acme.test", "team_id": "support", "display_name": "Dana"}
            async with stack.client(stack.token(WS, role="agent", teams=("support",))) as api:
                forbidden = await api.post("/v1/mailboxes/mb_dana/gmail/consent", json=wanted)
            async with stack.client(stack.token(WS)) as api:
                asked = await api.post("/v1/mailboxes/mb_dana/gmail/consent", json=wanted)
                begun = asked.json()
                google.signing_in = "dana@acme.test"
                back = google.consent(begun["consent_url"])  # the owner allows
                async with stack.client(None) as browser:
                    connected = await browser.get(back)
                    replayed = await browser.get(back)
                shown = (await api.get("/v1/mailboxes/mb_dana")).json()
            sender = Sender(quick)
            await sender.start()
            try:
                await publish_all(quick.nats_url, queued_email("em_web"))
                done = await until(lambda: _final(stack, "em_web"), what="the email")
            finally:
                await sender.stop()
    assert forbidden.status_code == 403
    assert begun["consent_url"].startswith(google.auth_uri)
    assert connected.status_code == 200 and connected.json()["state"] == "connected"
    assert replayed.status_code == 400 and "unknown or expired consent" in replayed.text
    assert (shown["sends_with"], shown["reads_with"], shown["team_id"]) == (
        "gmail",
        "gmail",
        "support",
    )
    assert done["status"] == "sent" and google.count("users.messages.send") == 1
