"""The Gmail adapter of `MailSender`, on Google's client library: googleapiclient built
from the Gmail discovery document the library ships (nothing fetched to build it), over
google-auth credentials (adapters/mail/gmail_auth.py). The reader is in gmail_sync.py.

Sending hands Gmail the RFC 5322 message Chronicle builds for SMTP (adapters/mail/smtp.py),
Message-ID included, with `users.messages.send`; the answer's message and thread ids go
on the email's history. `was_sent` looks for that Message-ID among the messages labelled
SENT: Gmail's `rfc822msgid:` search, then the newest SENT messages' headers, as search
can lag behind a message sent a moment ago.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from googleapiclient.discovery import build

from adapters.mail.gmail_auth import GmailAccount, credentials
from adapters.mail.gmail_calls import Backoff, GmailError, call
from adapters.mail.gmail_http import SessionHttp
from adapters.mail.port import Delivery, OutgoingMessage, SendFailed
from adapters.mail.smtp import build as rfc5322

RECENT_SENT = 25  # newest SENT messages compared by header when search finds nothing


class Gmail:
    """One connected Gmail mailbox: its account, secret, and how calls are retried."""

    def __init__(
        self,
        account: GmailAccount,
        secret: str | None,
        user: str,
        *,
        backoff: Backoff | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.account, self.user, self.timeout = account, user, timeout
        self._secret = secret
        self.backoff = backoff or Backoff()

    def __repr__(self) -> str:  # never the secret
        return f"{type(self).__name__}({self.user!r}, auth={self.account.auth!r})"

    @contextmanager
    def client(self) -> Iterator[Any]:
        """A Gmail API client over a fresh session; the credentials (and their access
        token) are shared by every client of this grant in the process."""
        if not self._secret:
            raise GmailError("the mailbox has no Gmail secret here (is its env variable set?)")
        try:
            creds = credentials(self.account, self._secret, self.user)
        except (ValueError, KeyError, TypeError) as e:  # the secret's text stays out of it
            why = f"the mailbox's Gmail secret is unusable ({type(e).__name__})"
            raise GmailError(why) from None
        http = SessionHttp(creds, self.timeout)
        options = {"api_endpoint": self.account.api_endpoint} if self.account.api_endpoint else None
        try:
            yield build(
                "gmail",
                "v1",
                http=http,
                static_discovery=True,
                cache_discovery=False,
                client_options=options,
            )
        finally:
            http.close()


class GmailSender(Gmail):
    def send(self, message: OutgoingMessage) -> Delivery:
        built = rfc5322(message)
        if message.bcc:  # Gmail takes every recipient from the headers, and drops Bcc's
            built["Bcc"] = ", ".join(message.bcc)  # from the copies it delivers
        raw = base64.urlsafe_b64encode(built.as_bytes()).decode()
        try:
            with self.client() as gmail:
                sent = call(
                    lambda: gmail.users().messages().send(userId="me", body={"raw": raw}),
                    self.backoff,
                    happened=lambda: self._after_unclear_answer(gmail, message.message_id),
                )
        except GmailError as e:
            raise SendFailed(e.message, e.status, outcome_unknown=e.unclear) from e
        how = " (found in Sent after an unclear answer)" if sent.get("found_in_sent") else ""
        return Delivery(f"gmail id={sent['id']} thread={sent['threadId']}{how}")

    def was_sent(self, message_id: str) -> bool | None:
        with self.client() as gmail:
            return self._in_sent(gmail, message_id) is not None

    def _after_unclear_answer(self, gmail: Any, message_id: str) -> dict | None:
        try:
            found = self._in_sent(gmail, message_id)
        except GmailError as e:
            raise GmailError(
                f"{e.message}; whether the email went out is unknown", e.status, unclear=True
            ) from e
        return {**found, "found_in_sent": True} if found else None

    def _in_sent(self, gmail: Any, message_id: str) -> dict | None:
        messages = gmail.users().messages()
        bare = message_id.strip().strip("<>")
        found = call(
            lambda: messages.list(
                userId="me", labelIds=["SENT"], q=f"rfc822msgid:{bare}", includeSpamTrash=True
            ),
            self.backoff,
        )
        if found.get("messages"):
            return found["messages"][0]
        newest = call(
            lambda: messages.list(userId="me", labelIds=["SENT"], maxResults=RECENT_SENT),
            self.backoff,
        )
        for listed in newest.get("messages", []):
            meta = call(
                lambda i=listed["id"]: messages.get(
                    userId="me", id=i, format="metadata", metadataHeaders=["Message-ID"]
                ),
                self.backoff,
            )
            headers = meta.get("payload", {}).get("headers", [])
            if any(
                h["name"].lower() == "message-id" and h["value"].strip() == message_id.strip()
                for h in headers
            ):
                return listed
        return None
