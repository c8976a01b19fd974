"""Email end to end, once per adapter: producers on the bus, the sender and the poller
over real SMTP and IMAP servers, or over Gmail's API (a fake of Google's HTTP API reached
through Google's client library), a Maildir either way, and what the HTTP API then shows."""

import base64
import mailbox
from datetime import UTC, datetime, timedelta

import msgspec
import nats
import psycopg
import pytest

from adapters.mail import mailboxes
from chronicle_tools.workload import Producer
from services.mail.poller import Poller
from services.mail.sender import Sender
from tests.support.bus import publish_all
from tests.support.mail_worlds import GmailWorld, SmtpImapWorld
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
WS = "ws_mail"
DANA = ("user", "u_17", "Dana")
START = datetime.now(UTC) - timedelta(hours=2)
INBOUND = (
    b"From: Ann Lee <ANN.WORK@example.com>\r\nTo: dana@acme.test\r\n"
    b"Subject: =?utf-8?q?Re=3A_Your_refund?=\r\nMessage-ID: <in-1@example.com>\r\n"
    b"Date: Fri, 20 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"It arrived, thank you!\r\n"
)
STRANGER = (
    b"From: Stranger <stranger@example.org>\nTo: support@acme.test\nSubject: Hello?\n"
    b"Message-ID: <s-1@example.org>\n\nDo you sell gift cards?\n"
)


def draft(email_id: str, mailbox_id: str, to: str, subject: str, content: str) -> dict:
    return {
        "email_id": email_id,
        "mailbox_id": mailbox_id,
        "owner_user_id": "u_17",
        "team_id": "support",
        "recipients": [{"address": to}],
        "subject": subject,
        "content": content,
    }


def story() -> list:
    p = Producer(WS, "mail")
    steps = []

    def tell(type_, data, actor=DANA):
        steps.append(p.envelope(type_, data, actor, START + timedelta(minutes=len(steps))))

    ann = ["ann@example.com", "ann.work@example.com"]
    tell("contact.added", {"contact_id": "c_ann", "source": "user", "emails": ann})
    tell("contact.added", {"contact_id": "c_bo", "source": "user", "emails": ["bo@example.com"]})
    tell("email.drafted", draft("em_1", "mb_dana", "Ann@Example.COM", "Your refund", "<p>Done</p>"))
    tell("email.drafted", draft("em_2", "mb_dana", "gone@example.com", "Hello", "Anyone there?"))
    tell("email.drafted", draft("em_3", "mb_down", "bo@example.com", "Invoice", "Attached"))
    tell("email.drafted", draft("em_4", "mb_dana", "bo@example.com", "Draft only", "Later"))
    for email_id in ("em_1", "em_2", "em_3"):
        tell("email.queued", {"email_id": email_id})
    return steps


async def request(url: str, type_: str, data: dict, envelope_id: str) -> dict:
    body = {
        "id": envelope_id,
        "type": type_,
        "workspace_id": WS,
        "occurred_at": datetime.now(UTC).isoformat(),
        "actor": {"type": "system", "id": "connector"},
        "data": data,
    }
    nc = await nats.connect(url)
    try:
        reply = await nc.request(
            f"audit.request.{WS}.{type_}", msgspec.json.encode(body), timeout=10
        )
        return msgspec.json.decode(reply.data)
    finally:
        await nc.close()


@pytest.fixture(params=["smtp+imap", "gmail"])
def world(request, monkeypatch):
    with SmtpImapWorld(monkeypatch) if request.param == "smtp+imap" else GmailWorld() as w:
        yield w


def connect(database_url: str, world, maildir: str) -> None:
    shared = mailboxes.Mailbox(WS, "mb_shared", "support@acme.test", None, "support",
                               maildir=maildir)  # fmt: skip
    with psycopg.connect(database_url, autocommit=True) as conn:
        for m in (*world.mailboxes(), shared):
            mailboxes.save(conn, m)


async def test_emails_are_sent_received_and_shown_once(settings, world, tmp_path):
    fast = settings.model_copy(update={"sender_interval": 0.1, "poller_interval": 0.2})
    maildir = mailbox.Maildir(tmp_path / "shared", create=True)
    async with Stack(fast) as stack:
        connect(settings.database_url, world, maildir._path)
        sender, poller = Sender(fast), Poller(fast)
        await sender.start()
        await poller.start()
        try:
            await publish_all(settings.nats_url, story())
            api = stack.client(stack.token(WS))
            agent = stack.client(stack.token(WS, role="agent", teams=("support",)))

            async def status(email_id: str) -> str:
                return (await api.get(f"/v1/emails/{email_id}")).json().get("status")

            for email_id, final in (("em_1", "sent"), ("em_2", "failed"), ("em_3", "failed")):
                await until(lambda e=email_id, f=final: _is(status(e), f), what=email_id)

            world.deliver(INBOUND)
            maildir.add(STRANGER)
            # The same message as a connector's raw bytes on the bus: recorded once.
            connector = {"mailbox_id": "mb_dana", "raw": base64.b64encode(INBOUND).decode()}

            async def both_in() -> bool:
                page = (await api.get("/v1/contacts/c_ann/emails")).json()
                unknown = (await api.get("/v1/unknown-senders")).json()["senders"]
                return len(page["emails"]) == 2 and len(unknown) == 1

            await until(both_in, what="the polled emails")
            again = await request(settings.nats_url, "email.raw_received", connector, "c-1")
            await poller.poll_all()  # reading the mailboxes again records nothing new
            illegal = await request(settings.nats_url, "email.queued", {"email_id": "em_1"}, "c-2")
            await until(stack.settled, what="the pipeline to settle")

            em1 = (await api.get("/v1/emails/em_1")).json()
            em2 = (await api.get("/v1/emails/em_2")).json()
            em3 = (await api.get("/v1/emails/em_3")).json()
            timeline = (await api.get("/v1/contacts/c_ann/timeline?category=email")).json()
            hidden = (await agent.get("/v1/contacts/c_ann/timeline?category=email")).json()
            history = (await api.get("/v1/contacts/c_ann/emails")).json()
            found = (await api.get("/v1/contacts/c_ann/emails?q=ARRIVED")).json()
            paged = (await api.get("/v1/contacts/c_ann/emails?limit=1")).json()
            older = await api.get(
                f"/v1/contacts/c_ann/emails?limit=1&cursor={paged['next_cursor']}"
            )
            failed = (await api.get("/v1/mailboxes/mb_dana/outgoing?status=failed")).json()
            drafts = (await api.get("/v1/mailboxes/mb_dana/outgoing?status=draft")).json()
            unknown = (await api.get("/v1/unknown-senders")).json()["senders"]
            agent_email = (await agent.get("/v1/emails/em_1")).json()
            incoming_id = next(e for e in history["emails"] if e["direction"] == "inbound")[
                "source"
            ]["id"]
            incoming = (await api.get(f"/v1/incoming-emails/{incoming_id}")).json()
            with psycopg.connect(settings.database_url) as conn:
                received = conn.execute(
                    "SELECT count(*) FROM chronicle_events WHERE topic = 'email.received.v1'"
                ).fetchone()[0]
                seen = conn.execute(
                    "SELECT mailbox_id, outcome FROM email_poll_seen ORDER BY 1"
                ).fetchall()
                cursor = conn.execute(
                    "SELECT cursor FROM email_poll_state WHERE mailbox_id = 'mb_dana'"
                ).fetchone()[0]
            await api.aclose()
            await agent.aclose()
        finally:
            await poller.stop()
            await sender.stop()

    # Sent once through the mailbox's server, with the Message-ID fixed at draft.
    [message] = world.sent()
    assert message["Message-ID"] == em1["message_id"] and message["To"] == "Ann@Example.COM"
    assert [e["status"] for e in em1["entries"]] == ["draft", "queued", "queued", "sent"]
    assert [e["type"] for e in em1["entries"]][2:] == ["email.sending_started", "email.sent"]
    assert em1["entries"][0]["actor"]["id"] == "u_17"
    assert em1["entries"][3]["actor"] == {"type": "system", "id": "chronicle-sender", "name": None}
    # A refused email and a mailbox that cannot send both end failed, with the server's
    # error (SMTP: a refused recipient, a server down; Gmail: the daily sending limit, a
    # revoked grant); and what the servers answered is kept.
    assert em2["status"] == "failed" and em3["status"] == "failed"
    world.check(em1, em2, em3, cursor)
    # Any other transition is refused, naming both statuses.
    assert illegal["status"] == "rejected"
    assert "that is sent cannot become queued" in illegal["error"]["message"]
    # Timelines: the sent email on the recipient's, the received one on the sender's.
    sources = {(e["type"], e["source"]["type"]) for e in timeline["entries"]}
    assert sources == {("email.sent", "email"), ("email.received", "incoming_email")}
    # (A second apart at most, so which came first is not fixed: IMAP dates have seconds.)
    summaries = {e["type"]: e["summary"] for e in timeline["entries"]}
    assert summaries["email.received"] == (
        "Email from Ann Lee <ANN.WORK@example.com>: Re: Your refund — It arrived, thank you!"
    )
    assert summaries["email.sent"] == "Email sent to Ann@Example.COM: Your refund"
    assert [e["summary"] for e in hidden["entries"]] == [
        "Email (content hidden: needs email permission)"
    ] * 2
    assert sorted(e["details"]["direction"] for e in hidden["entries"]) == ["inbound", "outbound"]
    assert all(len(e["details"]) == 1 for e in hidden["entries"])
    assert agent_email["subject"] is None and agent_email["status"] == "sent"
    # The contact's email history: both directions, newest first, searchable, paged.
    assert sorted((e["direction"], e["status"]) for e in history["emails"]) == [
        ("inbound", "received"),
        ("outbound", "sent"),
    ]
    times = [(datetime.fromisoformat(e["occurred_at"]), e["position"]) for e in history["emails"]]
    assert times == sorted(times, reverse=True)
    pages = [paged["emails"][0]["source"]["id"], older.json()["emails"][0]["source"]["id"]]
    assert pages == [e["source"]["id"] for e in history["emails"]]
    assert [e["subject"] for e in found["emails"]] == ["Re: Your refund"]
    assert len(paged["emails"]) == 1 and paged["next_cursor"]
    assert [e["email_id"] for e in failed["emails"]] == ["em_2"]
    assert [e["email_id"] for e in drafts["emails"]] == ["em_4"]
    # Received once, whichever path brought it and however often.
    assert received == 2 and again["status"] == "accepted" and again["events"] == 0
    assert incoming["via"] == world.via and incoming["contact_ids"] == ["c_ann"]
    assert sorted(seen) == [("mb_dana", "accepted"), ("mb_shared", "accepted")]
    assert [(u["address"], u["emails"]) for u in unknown] == [("stranger@example.org", 1)]


async def _is(value, expected) -> bool:
    return (await value) == expected
