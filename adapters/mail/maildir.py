"""The Maildir adapter of `MailReader`, on Python's `mailbox` module. A Maildir key is
unique and survives moves (new -> cur) and flag changes, so the poller remembers each
key it handled; the Maildir itself is never changed."""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from adapters.mail.port import Fetched


class MaildirReader:
    def __init__(self, path: str) -> None:
        self.path = path

    def new_messages(
        self, cursor: dict[str, Any] | None, known: Callable[[list[str]], set[str]], limit: int
    ) -> list[Fetched]:
        box = mailbox.Maildir(self.path, factory=None, create=False)
        keys = sorted(box.keys())
        done = known([f"maildir:{k}" for k in keys])
        found = []
        for key in keys:
            if f"maildir:{key}" in done:
                continue
            try:
                message = box.get_message(key)
                raw = box.get_bytes(key)
            except KeyError:  # moved or deleted since it was listed
                continue
            when = datetime.fromtimestamp(message.get_date(), UTC)
            found.append(Fetched(f"maildir:{key}", raw, when, None))
        found.sort(key=lambda f: (f.received_at, f.key))
        return found[:limit]
