"""One Gmail API call, with Google's advice on errors followed (Gmail's "Resolve errors"
guide): 429 and 403 `rateLimitExceeded` / `userRateLimitExceeded` mean Gmail did nothing,
so the call is tried again after an exponential backoff with jitter; 5xx answers, lost
connections and timeouts are tried again too, but a call that must never happen twice
(sending) first asks `happened()` whether it took effect after all. A grant that Google
refuses, a 401 that a fresh token did not cure, or missing scopes are `ReconnectNeeded`.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError
from urllib3.exceptions import MaxRetryError, NewConnectionError

from adapters.mail.gmail_auth import grant_gone
from adapters.mail.port import ReconnectNeeded

QUOTA = {"rateLimitExceeded", "userRateLimitExceeded"}
SCOPES_MISSING = {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}
_RETRY_AT = re.compile(r"Retry after (\S+)")


class GmailError(Exception):
    """Gmail said no (or could not be asked): `status` is its HTTP status when it answered;
    `unclear`: the call may have taken effect all the same."""

    def __init__(self, message: str, status: int | None = None, unclear: bool = False) -> None:
        super().__init__(message)
        self.message, self.status, self.unclear = message, status, unclear


@dataclass(frozen=True)
class Backoff:
    """Waits of base·2ⁿ plus up to `base` of jitter, at most `cap` seconds, `tries` calls in
    all. A Retry-After longer than `cap` (a daily sending limit) ends the tries at once."""

    base: float = 1.0
    cap: float = 32.0
    tries: int = 6
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def wait(self, retry: int, retry_after: float | None) -> float | None:
        if retry >= self.tries or (retry_after or 0) > self.cap:
            return None
        exponential = self.base * 2 ** (retry - 1) + self.base * self.jitter()
        return min(self.cap, max(exponential, retry_after or 0))


def call(
    request: Callable[[], Any],
    backoff: Backoff,
    happened: Callable[[], dict | None] | None = None,
) -> dict:
    """`request()` makes the googleapiclient request; its answer is returned. With
    `happened`, an unclear failure is retried only when `happened()` finds no trace."""
    retry = 0
    while True:
        retry += 1
        try:
            return request().execute(num_retries=0)
        except RefreshError as e:
            if why := grant_gone(e):
                raise ReconnectNeeded(why) from e
            failure, after = GmailError(f"Google's token endpoint: {e.args[0]}"), None
        except HttpError as e:
            failure, after = _answer(e), _retry_after(e)
        except requests.RequestException as e:
            failure, after = _lost(e), None
        if failure.unclear and happened is not None and (found := happened()) is not None:
            return found
        pause = backoff.wait(retry, after) if _worth_retrying(failure) else None
        if pause is None:
            raise failure
        backoff.sleep(pause)


def _answer(e: HttpError) -> GmailError | ReconnectNeeded:
    status, reasons = e.resp.status, _reasons(e.content)
    message = f"{status} {e.reason}".strip()
    if status == 401 or (status == 403 and reasons & SCOPES_MISSING):
        raise ReconnectNeeded(f"Gmail refused the mailbox's grant ({message}); connect it again")
    if status == 403 and reasons & QUOTA:
        status = 429  # the same advice: Gmail did nothing, wait and try again
    return GmailError(message, status, unclear=status >= 500)


def _worth_retrying(failure: GmailError) -> bool:
    return failure.status is None or failure.status == 429 or failure.status >= 500


def _lost(e: requests.RequestException) -> GmailError:
    cause = e.args[0] if e.args else None
    if isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError):
        return GmailError(f"cannot reach Gmail: {cause.reason}")  # nothing was sent
    return GmailError(f"lost Gmail's answer: {e}", unclear=True)


def _reasons(content: bytes) -> set[str]:
    try:
        error = json.loads(content)["error"]
        found = [*error.get("errors", []), *error.get("details", [])]
        return {str(item.get("reason")) for item in found if isinstance(item, dict)}
    except (ValueError, KeyError, TypeError, AttributeError):
        return set()


def _retry_after(e: HttpError) -> float | None:
    """Seconds Gmail asks us to wait: a Retry-After header, or the time its message names
    ("User-rate limit exceeded. Retry after 2026-11-21T09:00:00.000Z")."""
    try:
        return float(e.resp.get("retry-after", ""))
    except ValueError:
        pass
    named = _RETRY_AT.search(e.reason or "")
    try:
        at = datetime.fromisoformat(named.group(1).replace("Z", "+00:00")) if named else None
    except ValueError:
        return None
    return (at - datetime.now(UTC)).total_seconds() if at and at.tzinfo else None
