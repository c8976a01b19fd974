"""A sender that dies between handing an email to the server and recording the outcome
never sends it again: a real SIGKILL while the server holds its answer, and an injected
crash right after the server said yes (the Sent folder then confirms it was sent)."""

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from adapters.mail import mailboxes
from chronicle_tools.workload import Producer
from services.mail.sender import Sender
from tests.support.bus import publish_all
from tests.support.mailservers import Dovecot, SmtpServer
from tests.support.processes import ServiceProcess
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
WS = "ws_once"
DANA = ("user", "u_17", "Dana")


def queued_email(email_id: str) -> list:
    p = Producer(WS, email_id)
    at = datetime.now(UTC) - timedelta(minutes=5)
    draft = {
        "email_id": email_id,
        "mailbox_id": "mb_dana",
        "team_id": "support",
        "recipients": [{"address": "ann@example.com"}],
        "subject": "Your refund",
        "content": "Refunded.",
        "content_type": "text/plain",
    }
    return [
        p.envelope("email.drafted", draft, DANA, at),
        p.envelope("email.queued", {"email_id": email_id}, DANA, at + timedelta(seconds=1)),
    ]


SECRET = "pw-7f3a9c-never-in-events"


def connect(database_url: str, smtp_port: int, imap: dict | None = None, secret=SECRET) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        mailboxes.save(
            conn,
            mailboxes.Mailbox(
                WS,
                "mb_dana",
                "dana@acme.test",
                smtp={"host": "127.0.0.1", "port": smtp_port, "security": "none"},
                imap=imap,
                secret=secret,
            ),
        )


async def email(stack: Stack, email_id: str) -> dict:
    async with stack.client(stack.token(WS)) as api:
        return (await api.get(f"/v1/emails/{email_id}")).json()


async def test_a_sender_killed_mid_send_does_not_send_again(settings):
    with SmtpServer() as smtp:
        smtp.hold_reply.set()  # the server takes the message and keeps its answer
        async with Stack(settings) as stack:
            connect(settings.database_url, smtp.port)
            first = ServiceProcess(settings, "sender").start()
            await publish_all(settings.nats_url, queued_email("em_kill"))
            await until(lambda: _set(smtp.got_one), what="the server to get the message")
            first.kill()  # SIGKILL: between the server taking it and anything recorded
            smtp.hold_reply.clear()
            smtp.release.set()
            await until(stack.settled, what="the pipeline to settle")
            stuck = await email(stack, "em_kill")
            second = ServiceProcess(settings, "sender").start()
            try:
                done = await until(
                    lambda: _final(stack, "em_kill"), within=60, what="the restarted sender"
                )
            finally:
                second.stop()
            with psycopg.connect(settings.database_url) as conn:
                stored = conn.execute(
                    "SELECT count(*) FROM chronicle_events WHERE position(%s in "
                    "convert_from(state, 'UTF8')) > 0",
                    (SECRET,),
                ).fetchone()[0]
                shown = conn.execute(
                    "SELECT count(*) FROM rm_emails.history WHERE details::text LIKE %s",
                    (f"%{SECRET}%",),
                ).fetchone()[0]
    assert stored == shown == 0  # the mailbox's secret stays in email_mailboxes
    assert (stuck["status"], stuck["in_doubt"], stuck["attempts"]) == ("queued", True, 1)
    assert len(smtp.received) == 1  # never handed over twice
    assert done["status"] == "failed"
    failure = done["entries"][-1]["details"]
    assert failure["outcome_unknown"] is True and "not resent" in failure["error"]
    assert [e["type"] for e in done["entries"]].count("email.sending_started") == 1


class Crash(BaseException):
    """The process dying, as far as the sender's task can tell."""


async def test_an_interrupted_send_found_in_the_sent_folder_is_recorded_sent(settings):
    dovecot = Dovecot()
    try:
        with SmtpServer() as smtp:
            smtp.on_message = lambda raw: dovecot.deliver(raw, "Sent")  # as Gmail does
            imap = {
                "host": "127.0.0.1",
                "port": dovecot.port,
                "security": "none",
                "username": dovecot.user,
                "sent_folder": "Sent",
            }
            async with Stack(settings) as stack:
                connect(settings.database_url, smtp.port, imap, dovecot.password)
                quick = settings.model_copy(update={"sender_interval": 0.1})
                first = Sender(quick)

                async def crash(*args, **kwargs):
                    raise Crash

                first._sent = crash  # dies right after the server accepted, before recording
                await first.start()
                await publish_all(settings.nats_url, queued_email("em_crash"))
                await until(lambda: _set(smtp.got_one), what="the server to get the message")
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
    finally:
        dovecot.close()
    assert len(smtp.received) == 1
    assert done["status"] == "sent"
    assert done["entries"][-1]["details"]["confirmed_by"] == "sent_folder"
    assert second.resolved == 1


async def _set(event) -> bool:
    return event.is_set()


async def _final(stack: Stack, email_id: str) -> dict | None:
    found = await email(stack, email_id)
    return found if found.get("status") in ("sent", "failed") else None
