"""How long the Gmail adapter waits before trying a call again (adapters/mail/gmail_calls.py)."""

from datetime import UTC, datetime, timedelta

import httplib2
import pytest
from googleapiclient.errors import HttpError

from adapters.mail.gmail_calls import Backoff, _retry_after

pytestmark = pytest.mark.unit


def test_waits_double_with_jitter_up_to_a_cap_and_a_number_of_tries():
    backoff = Backoff(base=1.0, cap=10.0, tries=6, jitter=lambda: 0.25)
    assert [backoff.wait(n, None) for n in range(1, 7)] == [1.25, 2.25, 4.25, 8.25, 10.0, None]


def test_jitter_spreads_waits_by_up_to_one_base():
    low = Backoff(base=2.0, jitter=lambda: 0.0).wait(3, None)
    high = Backoff(base=2.0, jitter=lambda: 0.999).wait(3, None)
    assert low == 8.0 and 8.0 < high < 10.0


def test_a_retry_after_is_waited_when_longer_and_ends_the_tries_when_over_the_cap():
    backoff = Backoff(base=1.0, cap=32.0, jitter=lambda: 0.0)
    assert backoff.wait(1, 20.0) == 20.0
    assert backoff.wait(1, 3600.0) is None  # a daily limit: no point waiting here


def answer(status: int, message: str, headers: dict | None = None) -> HttpError:
    resp = httplib2.Response({"status": str(status), **(headers or {})})
    body = f'{{"error": {{"code": {status}, "message": "{message}"}}}}'.encode()
    return HttpError(resp, body, uri="https://gmail.googleapis.com/x")


def test_retry_after_comes_from_the_header_or_the_time_gmail_names():
    at = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    named = answer(429, f"User-rate limit exceeded.  Retry after {at} (Mail sending)")
    assert 3 * 3600 - 5 < _retry_after(named) <= 3 * 3600
    assert _retry_after(answer(429, "Too many requests", {"retry-after": "7"})) == 7.0
    assert _retry_after(answer(503, "Backend Error")) is None
