"""The IMAP adapter of `MailReader` (imaplib): reads new messages by UID, never marking
them read (BODY.PEEK), and remembers where it is as UIDVALIDITY + last UID."""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from adapters.mail.port import Fetched

_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


class ImapReader:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str,
        password: str,
        security: str = "ssl",  # none | starttls | ssl
        folder: str = "INBOX",
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password = username, password
        self.folder, self.timeout = folder, timeout

    def _connect(self) -> imaplib.IMAP4:
        if self.security == "ssl":
            client = imaplib.IMAP4_SSL(
                self.host, self.port, ssl_context=ssl.create_default_context(), timeout=self.timeout
            )
        else:
            client = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                client.starttls(ssl.create_default_context())
        client.login(self.username, self.password)
        return client

    @staticmethod
    def _examine(client: imaplib.IMAP4, folder: str) -> int:
        typ, data = client.select(_quote(folder), readonly=True)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {folder!r}: {data!r}")
        return int(client.response("UIDVALIDITY")[1][0])

    def new_messages(
        self, cursor: dict[str, Any] | None, known: Callable[[list[str]], set[str]], limit: int
    ) -> list[Fetched]:
        client = self._connect()
        try:
            validity = self._examine(client, self.folder)
            # A new UIDVALIDITY means old UIDs mean nothing: read all again (the Message-ID
            # keeps that from recording anything twice).
            last = cursor["uid"] if cursor and cursor.get("uidvalidity") == validity else 0
            _typ, data = client.uid("SEARCH", None, f"UID {last + 1}:*")
            uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last)[:limit]
            found = []
            for uid in uids:
                _typ, parts = client.uid("FETCH", str(uid), "(INTERNALDATE BODY.PEEK[])")
                raw, when = _message(parts)
                if raw is None:
                    continue  # expunged meanwhile
                key = f"imap:{validity}:{uid}"
                found.append(Fetched(key, raw, when, {"uidvalidity": validity, "uid": uid}))
            return found
        finally:
            _logout(client)

    def contains(self, message_id: str, folder: str | None = None) -> bool:
        """Whether `folder` (default: this reader's) holds a message with this Message-ID."""
        client = self._connect()
        try:
            self._examine(client, folder or self.folder)
            _typ, data = client.uid("SEARCH", None, "HEADER", "Message-ID", _quote(message_id))
            return bool((data[0] or b"").split())
        finally:
            _logout(client)


def _message(parts: list) -> tuple[bytes | None, datetime | None]:
    for part in parts:
        if isinstance(part, tuple) and len(part) == 2:
            found = _INTERNALDATE.search(part[0])
            when = None
            if found:
                stamp = imaplib.Internaldate2tuple(b'INTERNALDATE "' + found.group(1) + b'"')
                when = datetime.fromtimestamp(time.mktime(stamp), UTC) if stamp else None
            return part[1], when
    return None, None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _logout(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        client.logout()
