"""A polled message too large for the bus that cannot be parsed is kept, not dropped."""

import mailbox

import psycopg
import pytest

from adapters.mail import mailboxes
from services.mail.poller import BUS_LIMIT, Poller
from tests.support.waiting import until

pytestmark = pytest.mark.integration


async def test_a_huge_unparseable_message_is_kept_in_the_rejects_store_once(settings, tmp_path):
    shared = mailbox.Maildir(tmp_path / "shared", create=True)
    junk = b"\r\n" + b"x" * (BUS_LIMIT + 1000)  # no header fields at all, and over the limit
    shared.add(junk)
    poller = Poller(settings.model_copy(update={"poller_interval": 0.1}))
    await poller.start()
    try:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            mailboxes.save(
                conn, mailboxes.Mailbox("ws_mail", "mb_shared", "support@acme.test", None,
                                        "support", maildir=shared._path),
            )  # fmt: skip
        rounds = poller.polls
        await until(lambda: _polled(poller, rounds + 2), what="two polls")
    finally:
        await poller.stop()
    with psycopg.connect(settings.database_url) as conn:
        kept = conn.execute(
            "SELECT workspace_id, subject, type, reason, payload FROM ingest_rejects"
        ).fetchall()
        seen = conn.execute("SELECT mailbox_id, outcome FROM email_poll_seen").fetchall()
    [(workspace, subject, type_, reason, payload)] = kept  # polled again: kept once
    assert (workspace, subject, type_) == ("ws_mail", "audit.ingest.ws_mail.email.received",
                                           "email.received")  # fmt: skip
    assert reason == [
        {
            "field": "data.raw",
            "problem": "not an RFC 5322 message: it has no header fields",
            "rule": "email.unparseable",
        }
    ]
    assert bytes(payload).replace(b"\r\n", b"\n") == junk.replace(b"\r\n", b"\n")
    assert seen == [("mb_shared", "rejected")]


async def _polled(poller: Poller, rounds: int) -> bool:
    return poller.polls >= rounds
