"""The console's cookie stands in for the bearer header only where that is safe."""

from __future__ import annotations

import asyncio

import pytest

from services.api.console.session import CookieBearer

pytestmark = pytest.mark.unit
COOKIES = b"chronicle_console=chr_secret; chronicle_console_csrf=csrf123"


def authorization(path: str, method: str = "GET", **headers: bytes) -> bytes | None:
    """The Authorization header the API behind the middleware receives (None: none)."""
    seen = {}

    async def api(scope, receive, send):
        seen.update(dict(scope["headers"]))

    given = [(k.replace("_", "-").encode(), v) for k, v in headers.items()]
    scope = {"type": "http", "path": path, "method": method, "headers": given}
    asyncio.run(CookieBearer(api)(scope, None, None))
    return seen.get(b"authorization")


def test_a_read_of_the_api_with_the_session_cookie_gets_its_token_as_bearer():
    assert authorization("/v1/activities", cookie=COOKIES) == b"Bearer chr_secret"


def test_a_request_that_names_its_own_token_keeps_it():
    own = authorization("/v1/activities", cookie=COOKIES, authorization=b"Bearer chr_other")
    assert own == b"Bearer chr_other"


def test_a_write_needs_the_csrf_header_equal_to_the_csrf_cookie():
    assert authorization("/v1/timeline/badges", "POST", cookie=COOKIES) is None
    wrong = authorization("/v1/timeline/badges", "POST", cookie=COOKIES, x_csrf_token=b"nope")
    assert wrong is None
    right = authorization("/v1/timeline/badges", "POST", cookie=COOKIES, x_csrf_token=b"csrf123")
    assert right == b"Bearer chr_secret"


def test_cross_site_requests_and_other_paths_get_nothing():
    cross = authorization("/v1/activities", cookie=COOKIES, sec_fetch_site=b"cross-site")
    assert cross is None
    assert authorization("/metrics", cookie=COOKIES) is None
    assert authorization("/v1/activities") is None
