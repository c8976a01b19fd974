"""The HTTP transport under the Gmail client: googleapiclient calls an httplib2-style
`request(uri, method, body, headers)`; this answers it over google-auth's
`AuthorizedSession` (requests), which adds the access token and refreshes it on a 401.

Why not httplib2 itself: it sends a request again when the connection closes before the
answer ("stale connection"), even a POST. For `messages.send` that could deliver an
email twice; requests with no retries sends each request once, and the adapter decides
what to do when an answer is lost (docs/email.md, "Gmail").
"""

from __future__ import annotations

import httplib2
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession

DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


class SessionHttp:
    """What googleapiclient needs of `httplib2.Http`, one try per request."""

    def __init__(self, credentials: Credentials, timeout: float = 60.0) -> None:
        self.credentials = credentials  # googleapiclient reads it (universe check)
        self.session = AuthorizedSession(credentials)
        self.timeout = timeout

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        redirections: int = 5,
        connection_type: object = None,
    ) -> tuple[httplib2.Response, bytes]:
        answer = self.session.request(
            method, uri, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
        )
        # requests has already decoded the body: the length and encoding headers no longer
        # describe what is handed on.
        info = {k.lower(): v for k, v in answer.headers.items() if k.lower() not in DROPPED_HEADERS}
        response = httplib2.Response({**info, "status": str(answer.status_code)})
        response.reason = answer.reason
        return response, answer.content

    def close(self) -> None:
        self.session.close()
