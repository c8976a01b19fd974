"""A fake of Google's HTTP API for the Gmail tests, served on loopback: the OAuth consent
page and token endpoint (fake_gmail_auth.py) and the Gmail REST endpoints the adapter
uses (getProfile, messages.send/list/get, history.list, labels.list), over mailboxes of
fake_gmail_mailbox.py. The adapter reaches it through the real googleapiclient, with
`client_options={"api_endpoint": ...}` and the token URI of its client secrets file.

Answers and errors have Gmail's shapes: 401 for a missing or stale token, 403 for missing
scopes, 404 for unknown messages and expired history ids, 400 for bad queries. `fail()`
queues faults: an error instead of the answer, after doing the work, or a connection
closed without any answer.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from adapters.embedded import free_port
from adapters.mail.gmail_auth import READONLY, SEND, GmailAccount
from tests.support import fake_gmail_api as api
from tests.support.fake_gmail_auth import FakeOAuth, Grant, TokenRefused, client_file
from tests.support.fake_gmail_mailbox import FakeMailbox

ROUTES = [
    ("GET", r"profile", "users.getProfile"),
    ("POST", r"messages/send", "users.messages.send"),
    ("GET", r"messages", "users.messages.list"),
    ("GET", r"messages/(?P<id>[^/]+)", "users.messages.get"),
    ("GET", r"history", "users.history.list"),
    ("GET", r"labels", "users.labels.list"),
]


@dataclass
class Fault:
    method: str
    status: int = 503
    reason: str = "backendError"
    message: str = "The service is currently unavailable."
    processed: bool = False  # do the work, then fail
    drop: bool = False  # close the connection instead of answering


class FakeGoogle:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_endpoint, self.token_uri = f"{self.url}/", f"{self.url}/token"
        self.auth_uri = f"{self.url}/o/oauth2/auth"
        self.oauth = FakeOAuth(self.token_uri)
        self.mailboxes: dict[str, FakeMailbox] = {}
        self.faults: list[Fault] = []
        self.calls: list[tuple[str, int]] = []  # (method, status) of every API request
        self.signing_in: str | None = None  # the person at the consent page
        self.lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeGoogle:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def mailbox(self, address: str) -> FakeMailbox:
        with self.lock:
            return self.mailboxes.setdefault(address, FakeMailbox(address))

    def deliver(self, address: str, raw: bytes, *labels: str, days_ago: float = 0) -> str:
        """Mail arriving in a mailbox (INBOX, UNREAD unless labels say otherwise)."""
        when = datetime.now(UTC) - timedelta(days=days_ago)
        with self.lock:
            stored = self.mailbox(address).add(
                raw, labels or ("INBOX", "UNREAD"), int(when.timestamp() * 1000)
            )
            return stored.id

    def oauth_client(self, kind: str = "installed", redirect_uris: list[str] | None = None) -> str:
        """A client secrets file's text for a new OAuth client of this fake."""
        redirects = redirect_uris or ["http://localhost"]
        client_id, secret = self.oauth.client(kind, redirects)
        return client_file(kind, client_id, secret, self.auth_uri, self.token_uri, redirects)

    def grant(self, client: str, user: str, scopes: list[str]) -> str:
        """A refresh token, as if `user` had consented to `client` (its secrets file)."""
        client_id = next(iter(json.loads(client).values()))["client_id"]
        token = f"1//0g{len(self.oauth.grants)}-{client_id[:6]}"
        self.oauth.grants[token] = Grant(client_id, user, frozenset(scopes))
        self.mailbox(user)
        return token

    def connected(self, user: str, scopes: list[str] | None = None, **account) -> tuple:
        """A mailbox `user` consented to: (GmailAccount, secret) as Chronicle keeps them."""
        scopes = scopes or [SEND, READONLY]
        client = json.loads(self.oauth_client())["installed"]
        token = self.grant(json.dumps({"installed": client}), user, scopes)
        secret = json.dumps({"refresh_token": token, "client_secret": client["client_secret"]})
        config = {"token_uri": self.token_uri, "api_endpoint": self.api_endpoint, **account}
        return GmailAccount("oauth", tuple(scopes), client_id=client["client_id"], **config), secret

    def revoke(self, grant: str) -> None:
        """The person removes Chronicle's access in their Google account (`grant`: the
        refresh token, or the secret Chronicle keeps)."""
        token = json.loads(grant)["refresh_token"] if grant.startswith("{") else grant
        self.oauth.grants[token].revoked = True

    def fail(self, method: str, times: int = 1, **fault) -> None:
        with self.lock:
            self.faults += [Fault(method, **fault) for _ in range(times)]

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.calls if m == method)

    def consent(self, url: str) -> str:
        """The person signing in at the consent URL: the address the browser goes to."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        code = self.oauth.consent(query, self.signing_in or "")
        found = {"code": code, "scope": query.get("scope", "")}
        if "state" in query:
            found["state"] = query["state"]
        return f"{query['redirect_uri']}?{urlencode(found)}"

    def take_fault(self, method: str, processed: bool) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.processed == processed:
                    self.faults.remove(fault)
                    return fault
        return None


def _handler(google: FakeGoogle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, verb: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if parts.path == "/token" and verb == "POST":
                return self._token(body)
            if parts.path == "/o/oauth2/auth" and verb == "GET":
                return self._consent()
            found = re.fullmatch(r"/gmail/v1/users/(?P<user>[^/]+)/(?P<rest>.+)", parts.path)
            for route_verb, pattern, method in ROUTES:
                match = found and re.fullmatch(pattern, found["rest"])
                if route_verb == verb and match:
                    return self._api(method, found["user"], match.groupdict(), query, body)
            self._json(404, api.error(404, "Not Found", "notFound"))

        def _token(self, body: bytes) -> None:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):  # client authentication in a header (RFC 6749)
                pair = base64.b64decode(basic[6:]).decode()
                client_id, _, client_secret = (unquote_plus(p) for p in pair.partition(":"))
                form.setdefault("client_id", client_id)
                form.setdefault("client_secret", client_secret)
            with google.lock:
                try:
                    status, answer = 200, google.oauth.token(form)
                except TokenRefused as e:
                    status, answer = e.status, e.body
            google.calls.append((f"token:{form.get('grant_type')}", status))
            self._json(status, answer)

        def _consent(self) -> None:
            """The consent page, as the person signing in allows: the redirect back."""
            try:
                with google.lock:
                    to = google.consent(f"{google.url}{self.path}")
            except TokenRefused as e:
                return self._json(e.status, e.body)
            self.send_response(302)
            self.send_header("Location", to)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _api(self, method: str, user: str, path: dict, query: dict, body: bytes) -> None:
            early, late = google.take_fault(method, processed=False), None
            if early is None:
                with google.lock:
                    status, answer = api.answer(
                        google, self.headers, method, user, path, query, body
                    )
                late = google.take_fault(method, processed=True) if status == 200 else None
            fault = early or late
            google.calls.append((method, fault.status if early else status))
            if fault is not None:
                if fault.drop:  # the connection closes with no answer at all
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, answer = fault.status, api.error(fault.status, fault.message, fault.reason)
            self._json(status, answer)

        def _json(self, status: int, answer: dict) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"')
            self.end_headers()
            self.wfile.write(data)

    return Handler
