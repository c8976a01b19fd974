"""The Gmail REST methods of the fake Google (tests/support/fake_gmail.py): who is asking
(the bearer token and its scopes), then the method's answer in Gmail's JSON shapes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser

from tests.support.fake_gmail_mailbox import SYSTEM, BadQuery, FakeMailbox, HistoryGone

G = "https://www.googleapis.com/auth/"
READ = {G + "gmail.readonly", G + "gmail.modify", "https://mail.google.com/"}
SEND = {G + "gmail.send", G + "gmail.compose", G + "gmail.modify", "https://mail.google.com/"}
NEEDS = {"users.messages.send": SEND}
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def error(status: int, message: str, reason: str) -> dict:
    domain = "usageLimits" if status == 429 or "RateLimit" in reason else "global"
    return {
        "error": {
            "code": status,
            "message": message,
            "status": STATUS.get(status, "UNKNOWN"),
            "errors": [{"message": message, "domain": domain, "reason": reason}],
        }
    }


def answer(google, headers, method: str, user: str, path: dict, query: dict, body: bytes):
    token = (headers.get("Authorization") or "").removeprefix("Bearer ")
    access = google.oauth.who(token)
    if access is None:
        return 401, error(401, "Request had invalid authentication credentials.", "authError")
    if user not in ("me", access.user):
        return 403, error(403, f"Delegation denied for {access.user}", "forbidden")
    if not access.scopes & NEEDS.get(method, READ):
        missing = error(
            403, "Request had insufficient authentication scopes.", "insufficientPermissions"
        )
        missing["error"]["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            }
        ]
        return 403, missing
    box = google.mailbox(access.user)
    try:
        return 200, METHODS[method](box, path, query, body)
    except (NotFound, HistoryGone):
        return 404, error(404, "Requested entity was not found.", "notFound")
    except BadQuery as e:
        return 400, error(400, f"Invalid query: {e}", "invalidArgument")
    except Refused as e:
        return e.status, error(e.status, e.message, e.reason)


class NotFound(LookupError):
    pass


class Refused(Exception):
    def __init__(self, status: int, message: str, reason: str) -> None:
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


def profile(box: FakeMailbox, path, query, body) -> dict:
    return {
        "emailAddress": box.address,
        "messagesTotal": len(box.messages),
        "threadsTotal": len({m.thread_id for m in box.messages.values()}),
        "historyId": str(box.history_id),
    }


def send(box: FakeMailbox, path, query, body) -> dict:
    raw = json.loads(body or b"{}").get("raw")
    if not raw:
        raise Refused(
            400,
            "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
            "invalidArgument",
        )
    if box.sending_limit is not None and box.sent_today() >= box.sending_limit:
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00.000Z")
        raise Refused(
            429,
            f"User-rate limit exceeded.  Retry after {tomorrow} (Mail sending)",
            "rateLimitExceeded",
        )
    stored = box.sent(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    return {**stored.listed(), "labelIds": sorted(stored.labels)}


def list_messages(box: FakeMailbox, path, query, body) -> dict:
    labels = query.get("labelIds", [])
    labels = [labels] if isinstance(labels, str) else labels
    spam = query.get("includeSpamTrash") == "true"
    found = box.search(labels, query.get("q", ""), spam)
    start, size = int(query.get("pageToken") or 0), min(int(query.get("maxResults", 100)), 500)
    page = {"resultSizeEstimate": len(found)}
    if found[start : start + size]:
        page["messages"] = [m.listed() for m in found[start : start + size]]
    if start + size < len(found):
        page["nextPageToken"] = str(start + size)
    return page


def get_message(box: FakeMailbox, path, query, body) -> dict:
    m = box.messages.get(path["id"])
    if m is None:
        raise NotFound(path["id"])
    found = {
        **m.listed(),
        "labelIds": sorted(m.labels),
        "historyId": str(m.history_id),
        "internalDate": str(m.internal_date),
        "sizeEstimate": len(m.raw),
        "snippet": "",
    }
    fmt = query.get("format", "full")
    if fmt == "raw":
        found["raw"] = base64.urlsafe_b64encode(m.raw).decode()
    elif fmt == "metadata":
        wanted = query.get("metadataHeaders", [])
        wanted = {w.lower() for w in ([wanted] if isinstance(wanted, str) else wanted)}
        headers = [{"name": n, "value": v} for n, v in _headers(m.raw) if n.lower() in wanted]
        found["payload"] = {"mimeType": "multipart/alternative", "headers": headers}
    else:
        raise Refused(400, f"format {fmt!r} is not served by this fake", "invalidArgument")
    return found


def _headers(raw: bytes) -> list[tuple[str, str]]:
    return [
        (n, str(v)) for n, v in BytesHeaderParser(policy=policy.default).parsebytes(raw).items()
    ]


def history(box: FakeMailbox, path, query, body) -> dict:
    if "startHistoryId" not in query:
        raise Refused(400, "Missing required field: startHistoryId", "invalidArgument")
    types = query.get("historyTypes", [])
    records = box.changes(
        int(query["startHistoryId"]),
        query.get("labelId"),
        [types] if isinstance(types, str) else types,
    )
    start, size = int(query.get("pageToken") or 0), min(int(query.get("maxResults", 100)), 500)
    page = {"historyId": str(box.history_id)}
    if records[start : start + size]:
        page["history"] = records[start : start + size]
    if start + size < len(records):
        page["nextPageToken"] = str(start + size)
    return page


def labels(box: FakeMailbox, path, query, body) -> dict:
    system = [{"id": name, "name": name, "type": "system"} for name in SYSTEM]
    mine = [{"id": i, "name": n, "type": "user"} for i, n in box.user_labels.items()]
    return {"labels": system + mine}


METHODS = {
    "users.getProfile": profile,
    "users.messages.send": send,
    "users.messages.list": list_messages,
    "users.messages.get": get_message,
    "users.history.list": history,
    "users.labels.list": labels,
}
