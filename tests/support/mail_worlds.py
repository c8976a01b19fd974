"""The mail servers the end-to-end email story runs against, one world per adapter: real
SMTP and IMAP servers (aiosmtpd, a private dovecot), or the fake of Google's API
(fake_gmail.py). Each connects the story's mailboxes — Dana's, which sends and is read; a
shared Maildir; one that cannot send — and says what its servers answered."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

from adapters.mail import mailboxes
from tests.support.fake_gmail import FakeGoogle
from tests.support.mailservers import Dovecot, SmtpServer

WS = "ws_mail"


class SmtpImapWorld:
    name, via = "smtp+imap", "imap"

    def __init__(self, monkeypatch) -> None:
        self.monkeypatch = monkeypatch

    def __enter__(self) -> SmtpImapWorld:
        with SmtpServer() as closed:
            self.down = closed.port  # nothing listens there any more
        self.dovecot = Dovecot()
        self.monkeypatch.setenv("CHRONICLE_TEST_IMAP_PASSWORD", self.dovecot.password)
        self.smtp = SmtpServer().__enter__()
        self.smtp.refuse.add("gone@example.com")
        return self

    def __exit__(self, *exc) -> None:
        self.smtp.__exit__(*exc)
        self.dovecot.close()

    def mailboxes(self) -> list[mailboxes.Mailbox]:
        return [
            mailboxes.Mailbox(
                WS, "mb_dana", "dana@acme.test", "u_17", "support", "Dana",
                smtp={"host": "127.0.0.1", "port": self.smtp.port, "security": "none"},
                imap={"host": "127.0.0.1", "port": self.dovecot.port, "security": "none",
                      "username": "ann"},
                secret="env:CHRONICLE_TEST_IMAP_PASSWORD",
            ),
            mailboxes.Mailbox(WS, "mb_down", "ops@acme.test", None, "support",
                              smtp={"host": "127.0.0.1", "port": self.down, "security": "none"}),
        ]  # fmt: skip

    def deliver(self, raw: bytes) -> None:
        self.dovecot.deliver(raw)

    def sent(self) -> list:
        return self.smtp.messages()

    def check(self, em1: dict, em2: dict, em3: dict, cursor: dict) -> None:
        """What the SMTP server answered, and where the IMAP reader stopped."""
        assert em1["entries"][3]["details"]["server_response"].startswith("250 2.0.0 Ok")
        assert em2["error"].startswith("550 5.1.1 <gone@example.com>")
        assert em2["entries"][-1]["details"]["code"] == 550
        assert f"cannot reach 127.0.0.1:{self.down}" in em3["error"]
        assert cursor["uid"] == 1


class GmailWorld:
    """Dana's mailbox on Gmail, where she may send one email today (Gmail's daily sending
    limit refuses the second); the mailbox that cannot send is one whose owner revoked
    Chronicle's access."""

    name, via = "gmail", "gmail"

    def __enter__(self) -> GmailWorld:
        self.google = FakeGoogle().__enter__()
        self.dana, self.dana_secret = self.google.connected("dana@acme.test")
        self.google.mailbox("dana@acme.test").sending_limit = 1
        self.ops, self.ops_secret = self.google.connected("ops@acme.test")
        self.google.revoke(self.ops_secret)
        return self

    def __exit__(self, *exc) -> None:
        self.google.__exit__(*exc)

    def mailboxes(self) -> list[mailboxes.Mailbox]:
        return [
            mailboxes.Mailbox(WS, "mb_dana", "dana@acme.test", "u_17", "support", "Dana",
                              gmail=self.dana.as_config(), secret=self.dana_secret),
            mailboxes.Mailbox(WS, "mb_down", "ops@acme.test", None, "support",
                              gmail=self.ops.as_config(), secret=self.ops_secret),
        ]  # fmt: skip

    def deliver(self, raw: bytes) -> None:
        self.google.deliver("dana@acme.test", raw)

    def sent(self) -> list:
        box = self.google.mailbox("dana@acme.test")
        return [
            message_from_bytes(m.raw, policy=policy.default)
            for m in box.messages.values()
            if "SENT" in m.labels
        ]

    def check(self, em1: dict, em2: dict, em3: dict, cursor: dict) -> None:
        """What Gmail answered, and the history id the reader stopped at."""
        [stored] = [m for m in self.google.mailbox("dana@acme.test").messages.values()
                    if "SENT" in m.labels]  # fmt: skip
        response = em1["entries"][3]["details"]["server_response"]
        assert response == f"gmail id={stored.id} thread={stored.thread_id}"
        assert "User-rate limit exceeded" in em2["error"] and "(Mail sending)" in em2["error"]
        assert em2["entries"][-1]["details"]["code"] == 429
        assert "invalid_grant" in em3["error"] and "connect it again" in em3["error"]
        assert int(cursor["history_id"]) == self.google.mailbox("dana@acme.test").history_id
        assert json.loads(self.ops_secret)["refresh_token"] not in em3["error"]
