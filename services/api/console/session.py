"""The console's session: the API token in an HttpOnly cookie, and CSRF protection.

The cookie holds the token itself (SameSite=Strict, HttpOnly, Secure over HTTPS): the
API checks it on every request as it checks any bearer token, so a revoked token ends
the session at once and several API processes need no shared session store. Scripts
never see it, and it never appears in a URL.

`CookieBearer` lets the browser call the public API with that cookie: a request to
/v1/... that has no `Authorization` header gets `Bearer <cookie>`. Reads (GET, HEAD)
need nothing more — SameSite=Strict keeps the cookie off cross-site requests, and a
browser refuses cross-site requests that say `Sec-Fetch-Site: cross-site` anyway. Any
other method must also carry the double-submit CSRF token (the `X-CSRF-Token` header
equal to the CSRF cookie), which another site can neither read nor send.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_COOKIE = "chronicle_console"
CSRF_COOKIE = "chronicle_console_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD")
MAX_AGE = 8 * 3600  # a working day; the token itself may live longer


def _cookies(scope: Scope) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar.load(value.decode("latin-1"))
    return {key: morsel.value for key, morsel in jar.items()}


def csrf_ok(scope: Scope, given: str | None) -> bool:
    """The double-submit check: `given` (a header or form field) equals the CSRF cookie."""
    expected = _cookies(scope).get(CSRF_COOKIE)
    return bool(expected and given and hmac.compare_digest(expected, given))


class CookieBearer:
    """ASGI middleware: the console's cookie becomes the API's bearer header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1/"):
            scope = self._with_bearer(scope)
        await self.app(scope, receive, send)

    def _with_bearer(self, scope: Scope) -> Scope:
        headers = dict(scope["headers"])
        if b"authorization" in headers:
            return scope
        token = _cookies(scope).get(TOKEN_COOKIE)
        if not token or headers.get(b"sec-fetch-site") == b"cross-site":
            return scope
        if scope["method"] not in SAFE_METHODS:
            given = headers.get(CSRF_HEADER.encode(), b"").decode("latin-1")
            if not csrf_ok(scope, given):
                return scope  # the API then answers 401, as for no token
        bearer = (b"authorization", f"Bearer {token}".encode("latin-1"))
        return {**scope, "headers": [*scope["headers"], bearer]}


def csrf_token(request: Request) -> str:
    """The CSRF cookie's value, or a new one (set by `keep_csrf` on the response)."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def keep_csrf(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/"
    )


def sign_in(request: Request, response: Response, api_token: str) -> None:
    response.set_cookie(
        TOKEN_COOKIE,
        api_token,
        max_age=MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )


def sign_out(response: Response) -> None:
    response.delete_cookie(TOKEN_COOKIE, path="/")
