"""The Gmail adapter of `MailReader`, following Gmail's synchronization guide.

The first time (no cursor), a full sync: the mailbox's current history id
(`users.getProfile`), then every message with the label (INBOX by default) received after
the account's start date (`messages.list`, `after:`), oldest first. From then on, an
incremental sync: `users.history.list` from the stored history id, for messages added to
the label. Gmail keeps history for a limited time and answers 404 for an id it no longer
has; then a full sync bounded by when the cursor was last settled (less a day, for mail
that arrives late) reads what was missed. Every message is fetched raw (`format=raw`) and
parsed by Chronicle's parser like IMAP's, so the same Message-ID is recorded once however
it came. The cursor, `{"history_id", "at"}`, moves only once every message before it was
handled (`settled_cursor`, see the port).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.mail.gmail import Gmail
from adapters.mail.gmail_calls import GmailError, call
from adapters.mail.port import Fetched

PAGE = 500  # ids per list page (Gmail's maximum)
LATE_MAIL = timedelta(days=1)
FIRST_SYNC = timedelta(days=30)  # how far back a mailbox without a start date is read


class GmailReader(Gmail):
    settled_cursor: dict[str, Any] | None = None

    def new_messages(
        self, cursor: dict[str, Any] | None, known: Callable[[list[str]], set[str]], limit: int
    ) -> list[Fetched]:
        self.settled_cursor = None
        with self.client() as gmail:
            ids, settled = self._changes(gmail, cursor or {})
            done: set[str] = set()
            for start in range(0, len(ids), 1000):
                done |= known([f"gmail:{i}" for i in ids[start : start + 1000]])
            todo = [i for i in ids if f"gmail:{i}" not in done]
            found = [f for i in todo[:limit] if (f := self._fetch(gmail, i)) is not None]
        if len(todo) <= limit:
            self.settled_cursor = settled
        return found

    def _changes(self, gmail: Any, cursor: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
        """The ids to consider, oldest first, and the cursor once they are handled."""
        now = datetime.now(UTC)
        since = _time(self.account.since) or now - FIRST_SYNC
        if cursor.get("history_id"):
            try:
                return self._history(gmail, str(cursor["history_id"]), now)
            except GmailError as e:
                if e.status != 404:
                    raise
            # The history id expired: read again from a little before it was settled.
            since = max(since, (_time(cursor.get("at")) or since) - LATE_MAIL)
        return self._full(gmail, since, now)

    def _label(self, gmail: Any) -> str:
        """The label's id: system labels are their own ids, a user's label has another."""
        labels = call(lambda: gmail.users().labels().list(userId="me"), self.backoff)
        wanted = self.account.label
        for label in labels.get("labels", []):
            if wanted in (label["id"], label["name"]):
                return label["id"]
        raise GmailError(f"the mailbox has no label {wanted!r}")

    def _full(self, gmail: Any, since: datetime, now: datetime) -> tuple[list[str], dict]:
        profile = call(lambda: gmail.users().getProfile(userId="me"), self.backoff)
        label, query, ids, page = self._label(gmail), f"after:{int(since.timestamp())}", [], None
        while True:
            answer = call(
                lambda page=page: (
                    gmail.users()
                    .messages()
                    .list(userId="me", labelIds=[label], q=query, maxResults=PAGE, pageToken=page)
                ),
                self.backoff,
            )
            ids += [m["id"] for m in answer.get("messages", [])]
            if not (page := answer.get("nextPageToken")):
                break
        ids.reverse()  # Gmail lists newest first
        return ids, {"history_id": profile["historyId"], "at": now.isoformat()}

    def _history(self, gmail: Any, start: str, now: datetime) -> tuple[list[str], dict]:
        label, ids, page, latest = self._label(gmail), [], None, start
        while True:
            answer = call(
                lambda page=page: (
                    gmail.users()
                    .history()
                    .list(
                        userId="me",
                        startHistoryId=start,
                        labelId=label,
                        historyTypes=["messageAdded", "labelAdded"],
                        maxResults=PAGE,
                        pageToken=page,
                    )
                ),
                self.backoff,
            )
            for record in answer.get("history", []):
                ids += [added["message"]["id"] for added in record.get("messagesAdded", [])]
                ids += [
                    labelled["message"]["id"]
                    for labelled in record.get("labelsAdded", [])
                    if label in labelled.get("labelIds", [])
                ]
            latest = answer.get("historyId", latest)
            if not (page := answer.get("nextPageToken")):
                break
        return list(dict.fromkeys(ids)), {"history_id": latest, "at": now.isoformat()}

    def _fetch(self, gmail: Any, message_id: str) -> Fetched | None:
        try:
            message = call(
                lambda: gmail.users().messages().get(userId="me", id=message_id, format="raw"),
                self.backoff,
            )
        except GmailError as e:
            if e.status == 404:
                return None  # deleted since it was listed
            raise
        raw = base64.urlsafe_b64decode(message["raw"] + "=" * (-len(message["raw"]) % 4))
        when = datetime.fromtimestamp(int(message["internalDate"]) / 1000, UTC)
        return Fetched(f"gmail:{message_id}", raw, when, None)


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
