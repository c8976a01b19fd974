"""One mailbox of the fake Gmail (tests/support/fake_gmail.py), behaving as Gmail's API
documents it: messages with ids, threads and labels; a history whose ids only increase,
kept for a limited time (older start ids answer 404); search with the operators the
adapter uses (`rfc822msgid:`, `after:`, `before:`, `in:`, `label:`); messages sent through
`messages.send` labelled SENT (and INBOX too when sent to oneself)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses

SYSTEM = ("INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT")
_ids = itertools.count(0x18C2_0000_0000_0000)


class BadQuery(ValueError):
    """A search operator this fake does not know (Gmail would know it: the test is wrong)."""


class HistoryGone(LookupError):
    """The start history id is older than the history Gmail still keeps."""


@dataclass
class Stored:
    id: str
    thread_id: str
    labels: set[str]
    raw: bytes
    internal_date: int  # ms since the epoch, as Gmail gives it
    history_id: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names

    def listed(self) -> dict:
        return {"id": self.id, "threadId": self.thread_id}


class FakeMailbox:
    def __init__(self, address: str) -> None:
        self.address = address
        self.messages: dict[str, Stored] = {}
        self.history: list[dict] = []
        self.history_id = 4_000_000 + next(_ids) % 1000
        self.kept_from = self.history_id  # history before this id is forgotten
        self.user_labels = {"Label_1": "Support"}
        self.sending_limit: int | None = None  # messages a day before Gmail says 429
        self.search_lags = False  # new messages are not found by search (`q`) yet
        self.unindexed: set[str] = set()

    def _next_history(self) -> int:
        self.history_id += 3  # increasing, and not one by one, as Gmail's
        return self.history_id

    def add(self, raw: bytes, labels: tuple[str, ...], internal_date: int | None = None) -> Stored:
        headers = {
            k.lower(): str(v)
            for k, v in BytesHeaderParser(policy=policy.default).parsebytes(raw).items()
        }
        message_id = f"{next(_ids):016x}"
        thread = self._thread_of(headers) or message_id
        when = internal_date if internal_date is not None else int(time.time() * 1000)
        stored = Stored(message_id, thread, set(labels), raw, when, self._next_history(), headers)
        self.messages[message_id] = stored
        if self.search_lags:
            self.unindexed.add(message_id)
        added = {"message": {**stored.listed(), "labelIds": sorted(stored.labels)}}
        self.history.append(
            {"id": stored.history_id, "messages": [stored.listed()], "messagesAdded": [added]}
        )
        return stored

    def _thread_of(self, headers: dict[str, str]) -> str | None:
        wanted = f"{headers.get('in-reply-to', '')} {headers.get('references', '')}".split()
        for m in self.messages.values():
            if m.headers.get("message-id", "").strip() in wanted:
                return m.thread_id
        return None

    def label(self, message_id: str, *labels: str) -> None:
        """Labels added later (a message moved to the inbox, a filter)."""
        stored = self.messages[message_id]
        stored.labels |= set(labels)
        stored.history_id = self._next_history()
        entry = {"message": {**stored.listed(), "labelIds": sorted(stored.labels)}}
        self.history.append(
            {
                "id": stored.history_id,
                "messages": [stored.listed()],
                "labelsAdded": [{**entry, "labelIds": list(labels)}],
            }
        )

    def forget_history(self) -> None:
        """Time passes: Gmail no longer has the history before now."""
        self.kept_from = self.history_id + 1

    def sent(self, raw: bytes) -> Stored:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        recipients = [
            a
            for _, a in getaddresses(
                headers.get_all("to", []) + headers.get_all("cc", []) + headers.get_all("bcc", [])
            )
        ]
        to_self = self.address.lower() in (r.lower() for r in recipients)
        return self.add(raw, ("SENT", "INBOX", "UNREAD") if to_self else ("SENT",))

    def sent_today(self) -> int:
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        since = midnight.timestamp() * 1000
        return sum(
            1 for m in self.messages.values() if "SENT" in m.labels and m.internal_date >= since
        )

    def search(self, label_ids: list[str], query: str, spam_trash: bool) -> list[Stored]:
        """Newest first, as Gmail lists."""
        tests = [_operator(term) for term in query.split()]
        found = [
            m
            for m in self.messages.values()
            if not (tests and m.id in self.unindexed)
            and set(label_ids) <= m.labels
            and (spam_trash or not m.labels & {"SPAM", "TRASH"})
            and all(test(m) for test in tests)
        ]
        return sorted(found, key=lambda m: (m.internal_date, m.id), reverse=True)

    def changes(self, start: int, label_id: str | None, types: list[str]) -> list[dict]:
        if start < self.kept_from:
            raise HistoryGone(start)
        wanted = set(types or ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved"))
        kinds = {"messagesAdded": "messageAdded", "labelsAdded": "labelAdded"}
        found = []
        for record in self.history:
            if record["id"] <= start:
                continue
            kept = {
                key: [
                    item
                    for item in items
                    if label_id is None
                    or label_id in item.get("labelIds", item["message"]["labelIds"])
                ]
                for key, items in record.items()
                if key in kinds and kinds[key] in wanted
            }
            if any(kept.values()):
                found.append({"id": str(record["id"]), "messages": record["messages"], **kept})
        return found


def _operator(term: str):
    name, _, value = term.partition(":")
    if name == "rfc822msgid":
        return lambda m: m.headers.get("message-id", "").strip().strip("<>") == value.strip("<>")
    if name in ("after", "before"):
        moment = _moment(value)
        if name == "after":
            return lambda m: m.internal_date >= moment
        return lambda m: m.internal_date < moment
    if name in ("in", "label"):
        return lambda m: value.upper() in m.labels or value in m.labels
    raise BadQuery(term)


def _moment(value: str) -> int:
    if value.isdigit():
        return int(value) * 1000
    day = datetime.strptime(value, "%Y/%m/%d").replace(tzinfo=UTC)
    return int(day.timestamp() * 1000)
