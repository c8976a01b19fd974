"""The Gmail adapter through Google's real client library against a fake of Google's HTTP
API on loopback (tests/support/fake_gmail.py): sending once, finding a sent message by its
Message-ID, first and incremental sync, an expired history id, quota errors, a revoked
grant, and a Workspace service account acting for a user."""

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from adapters.mail.gmail import GmailSender
from adapters.mail.gmail_auth import READONLY, SEND, GmailAccount
from adapters.mail.gmail_calls import Backoff
from adapters.mail.gmail_sync import GmailReader
from adapters.mail.port import OutgoingMessage, ReconnectNeeded, SendFailed
from tests.support.fake_gmail import FakeGoogle

pytestmark = pytest.mark.integration
DANA = "dana@acme.test"


class Waits(list):
    """Backoff waits, recorded instead of slept."""

    def backoff(self) -> Backoff:
        return Backoff(base=1.0, cap=32.0, tries=6, sleep=self.append, jitter=lambda: 0.5)


@pytest.fixture
def google():
    with FakeGoogle() as fake:
        yield fake


def outgoing(message_id: str = "<em-1@acme.test>", bcc: tuple = ()) -> OutgoingMessage:
    return OutgoingMessage(
        message_id, DANA, "Dana", ("ann@example.com",), ("boss@acme.test",), bcc, "Refund",
        "<p>Your refund is <b>done</b>.</p>", "text/html",
    )  # fmt: skip


def inbound(n: int) -> bytes:
    return (
        f"From: Ann <ann@example.com>\r\nTo: {DANA}\r\nSubject: Note {n}\r\n"
        f"Message-ID: <n{n}@example.com>\r\n\r\nBody {n}\r\n"
    ).encode()


def sender(google: FakeGoogle, waits: Waits | None = None, **account) -> GmailSender:
    found, secret = google.connected(DANA, **account)
    return GmailSender(found, secret, DANA, backoff=(Waits() if waits is None else waits).backoff())


def reader(google: FakeGoogle, since_days: float = 30) -> GmailReader:
    since = (datetime.now(UTC) - timedelta(days=since_days)).isoformat()
    account, secret = google.connected(DANA, since=since)
    return GmailReader(account, secret, DANA, backoff=Waits().backoff())


def sent_messages(google: FakeGoogle) -> list:
    box = google.mailbox(DANA)
    return [
        message_from_bytes(m.raw, policy=policy.default)
        for m in box.messages.values()
        if "SENT" in m.labels
    ]


def test_sending_hands_gmail_the_message_with_its_message_id_and_keeps_gmails_ids(google):
    delivery = sender(google).send(outgoing(bcc=("audit@acme.test",)))
    [sent] = sent_messages(google)
    [stored] = google.mailbox(DANA).messages.values()
    assert delivery.server_response == f"gmail id={stored.id} thread={stored.thread_id}"
    assert sent["Message-ID"] == "<em-1@acme.test>" and sent["From"] == "Dana <dana@acme.test>"
    assert sent["To"] == "ann@example.com" and sent["Cc"] == "boss@acme.test"
    assert sent["Bcc"] == "audit@acme.test"  # Gmail sends to it and keeps it in Sent only
    assert "<b>done</b>" in sent.get_body(("html",)).get_content()
    assert google.count("users.messages.send") == 1


def test_a_sender_that_starts_afresh_finds_the_sent_message_by_its_message_id(google):
    """A crash between Gmail's yes and the record: the next sender asks the SENT label."""
    sender(google).send(outgoing("<em-crash@acme.test>"))
    afterwards = sender(google)
    assert afterwards.was_sent("<em-crash@acme.test>") is True
    assert afterwards.was_sent("<em-never@acme.test>") is False


def test_a_message_search_does_not_show_yet_is_found_among_the_newest_sent(google):
    google.mailbox(DANA).search_lags = True
    gmail = sender(google)
    gmail.send(outgoing("<em-fresh@acme.test>"))
    assert gmail.was_sent("<em-fresh@acme.test>") is True
    assert google.count("users.messages.get") == 1  # its headers, after the search found none


def test_quota_errors_are_waited_out_with_growing_waits_and_the_email_sent_once(google):
    google.fail("users.messages.send", status=429, reason="rateLimitExceeded",
                message="Too many concurrent requests for user")  # fmt: skip
    google.fail("users.messages.send", status=403, reason="userRateLimitExceeded",
                message="User-rate limit exceeded")  # fmt: skip
    google.fail("users.messages.send", status=429, reason="rateLimitExceeded")
    waits = Waits()
    delivery = sender(google, waits).send(outgoing())
    assert delivery.server_response.startswith("gmail id=")
    assert [s for m, s in google.calls if m == "users.messages.send"] == [429, 403, 429, 200]
    assert waits == [1.5, 2.5, 4.5]  # base·2ⁿ plus half a base of jitter
    assert len(sent_messages(google)) == 1


def test_an_error_answer_after_gmail_sent_it_is_found_in_sent_and_not_sent_again(google):
    google.fail("users.messages.send", status=503, processed=True)
    delivery = sender(google).send(outgoing())
    assert delivery.server_response.endswith("(found in Sent after an unclear answer)")
    assert google.count("users.messages.send") == 1 and len(sent_messages(google)) == 1


def test_a_connection_lost_after_gmail_sent_it_is_not_sent_again(google):
    google.fail("users.messages.send", drop=True, processed=True)
    delivery = sender(google).send(outgoing())
    assert delivery.server_response.endswith("(found in Sent after an unclear answer)")
    assert google.count("users.messages.send") == 1 and len(sent_messages(google)) == 1


def test_a_server_error_with_nothing_in_sent_is_tried_again(google):
    google.fail("users.messages.send", status=500, reason="backendError")
    waits = Waits()
    sender(google, waits).send(outgoing())
    assert [s for m, s in google.calls if m == "users.messages.send"] == [500, 200]
    assert len(waits) == 1 and len(sent_messages(google)) == 1


def test_unclear_answers_to_the_end_fail_as_outcome_unknown(google):
    google.fail("users.messages.send", times=6, drop=True)
    with pytest.raises(SendFailed) as failed:
        sender(google).send(outgoing())
    assert failed.value.outcome_unknown is True and "lost Gmail's answer" in failed.value.error
    assert not sent_messages(google)


def test_the_daily_sending_limit_fails_at_once_with_gmails_words(google):
    google.mailbox(DANA).sending_limit = 0
    waits = Waits()
    with pytest.raises(SendFailed) as failed:
        sender(google, waits).send(outgoing())
    assert failed.value.code == 429 and failed.value.outcome_unknown is False
    assert "User-rate limit exceeded" in failed.value.error
    assert "(Mail sending)" in failed.value.error
    assert waits == []  # Gmail named tomorrow: no point waiting here


def test_a_revoked_grant_is_reconnect_needed_for_sending_and_reading(google):
    gmail = sender(google)
    gmail.send(outgoing())  # works, and holds an access token now
    google.revoke(gmail._secret)
    with pytest.raises(ReconnectNeeded) as refused:
        gmail.send(outgoing("<em-2@acme.test>"))
    read = GmailReader(gmail.account, gmail._secret, DANA, backoff=Waits().backoff())
    with pytest.raises(ReconnectNeeded):
        read.new_messages(None, lambda keys: set(), 10)
    assert "invalid_grant" in refused.value.error and "connect it again" in refused.value.error
    assert gmail._secret not in refused.value.error
    assert len(sent_messages(google)) == 1


def test_a_grant_without_the_send_scope_is_reconnect_needed(google):
    account, secret = google.connected(DANA, scopes=[READONLY])
    wider = GmailAccount(**{**account.__dict__, "scopes": (SEND, READONLY)})
    with pytest.raises(ReconnectNeeded, match="invalid_scope"):
        GmailSender(wider, secret, DANA, backoff=Waits().backoff()).send(outgoing())


def test_an_expired_access_token_is_refreshed_by_google_auth(google):
    gmail = sender(google)
    gmail.send(outgoing())
    for access in google.oauth.access.values():
        access.expires = 0  # Gmail now answers 401 to it
    gmail.send(outgoing("<em-2@acme.test>"))
    assert len(sent_messages(google)) == 2
    assert google.count("token:refresh_token") >= 2


def test_a_service_account_sends_as_a_user_it_has_delegation_for(google):
    key = google.oauth.service_account({DANA: frozenset({SEND, READONLY})})
    account = GmailAccount("service_account", (SEND, READONLY), key["token_uri"],
                           api_endpoint=google.api_endpoint)  # fmt: skip
    GmailSender(account, json.dumps(key), DANA).send(outgoing())
    assert len(sent_messages(google)) == 1
    stranger = "eve@acme.test"
    with pytest.raises(ReconnectNeeded, match="unauthorized_client"):
        GmailSender(account, json.dumps(key), stranger).send(outgoing())


def test_the_first_sync_reads_the_inbox_from_the_start_date_oldest_first(google):
    google.deliver(DANA, inbound(1), days_ago=40)  # before the start date
    newer = google.deliver(DANA, inbound(3), days_ago=2)
    older = google.deliver(DANA, inbound(2), days_ago=10)
    google.deliver(DANA, inbound(4), "SPAM", days_ago=1)
    google.deliver(DANA, inbound(5), "SENT", days_ago=1)
    gmail = reader(google, since_days=30)
    found = gmail.new_messages(None, lambda keys: set(), 10)
    assert [f.key for f in found] == [f"gmail:{older}", f"gmail:{newer}"]
    assert found[0].raw == inbound(2) and found[0].received_at < found[1].received_at
    assert gmail.settled_cursor["history_id"] == str(google.mailbox(DANA).history_id)


def test_incremental_sync_reads_what_history_says_was_added_to_the_inbox(google):
    gmail = reader(google)
    google.deliver(DANA, inbound(1))
    gmail.new_messages(None, lambda keys: set(), 10)
    cursor = gmail.settled_cursor
    new = google.deliver(DANA, inbound(2))
    archived = google.deliver(DANA, inbound(3), "Label_1")
    google.mailbox(DANA).label(archived, "INBOX")  # moved into the inbox later
    google.deliver(DANA, inbound(4), "SENT")
    lists_before = google.count("users.messages.list")
    found = gmail.new_messages(cursor, lambda keys: set(), 10)
    assert [f.key for f in found] == [f"gmail:{new}", f"gmail:{archived}"]
    assert google.count("users.messages.list") == lists_before  # history only
    assert int(gmail.settled_cursor["history_id"]) > int(cursor["history_id"])
    assert gmail.new_messages(gmail.settled_cursor, lambda keys: set(), 10) == []


def test_a_user_label_is_read_by_its_name(google):
    support = google.deliver(DANA, inbound(1), "Label_1")
    google.deliver(DANA, inbound(2))
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    account, secret = google.connected(DANA, label="Support", since=since)
    found = GmailReader(account, secret, DANA).new_messages(None, lambda keys: set(), 10)
    assert [f.key for f in found] == [f"gmail:{support}"]


def test_an_expired_history_id_falls_back_to_a_full_sync_bounded_by_the_cursor(google):
    gmail = reader(google)
    old = google.deliver(DANA, inbound(1), days_ago=5)
    gmail.new_messages(None, lambda keys: set(), 10)
    cursor = gmail.settled_cursor
    missed = google.deliver(DANA, inbound(2))
    google.deliver(DANA, inbound(3), days_ago=3)  # older than the cursor less a day
    google.mailbox(DANA).forget_history()
    known = {f"gmail:{old}"}
    found = gmail.new_messages(cursor, lambda keys: known & set(keys), 10)
    assert [f.key for f in found] == [f"gmail:{missed}"]
    assert ("users.history.list", 404) in google.calls
    assert int(gmail.settled_cursor["history_id"]) > int(cursor["history_id"])


def test_known_messages_are_skipped_and_the_cursor_waits_for_the_rest(google):
    ids = [google.deliver(DANA, inbound(n), days_ago=5 - n) for n in range(5)]
    gmail = reader(google)
    first = gmail.new_messages(None, lambda keys: set(), 2)
    assert [f.key for f in first] == [f"gmail:{i}" for i in ids[:2]]
    assert gmail.settled_cursor is None  # three more to go
    done = {f.key for f in first}
    rest = gmail.new_messages(None, lambda keys: done & set(keys), 10)
    assert [f.key for f in rest] == [f"gmail:{i}" for i in ids[2:]]
    assert gmail.settled_cursor is not None


def test_reading_waits_out_quota_and_server_errors_too(google):
    google.deliver(DANA, inbound(1))
    google.fail("users.messages.get", status=429, reason="rateLimitExceeded")
    gmail = reader(google)
    [first] = gmail.new_messages(None, lambda keys: set(), 10)
    google.deliver(DANA, inbound(2))
    google.fail("users.history.list", status=503)
    [second] = gmail.new_messages(gmail.settled_cursor, lambda keys: set(), 10)
    assert (first.raw, second.raw) == (inbound(1), inbound(2))
    assert [s for m, s in google.calls if m == "users.messages.get"] == [429, 200, 200]
    assert [s for m, s in google.calls if m == "users.history.list"] == [503, 200]
