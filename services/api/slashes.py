"""Ids with a slash in them (`crm/123`, `gid://shopify/Customer/1`): the ingest contract
takes any text as an id, so the API must answer for them too.

A client sends such an id percent-encoded (`/v1/contacts/crm%2F123/timeline`). ASGI
servers decode the path before routing, so the id's slash split it into two segments and
no route matched (404). The raw path still holds the encoded slash: `EncodedSlashes`
decodes it segment by segment instead, keeping an encoded slash as `SLASH`, a character no
route has; after matching, `slashes_back` (a dependency of every router, which FastAPI
solves before it reads the path parameters) gives the parameters their slash back. A
slash that is not encoded still separates segments, as in any URL.
"""

from __future__ import annotations

from urllib.parse import unquote

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

SLASH = "\ue000"  # Unicode private use: in no route, and never left in a parameter
REWRITTEN = "chronicle.encoded_slashes"  # the scope's mark that SLASH stands for "/"


class EncodedSlashes:
    """ASGI middleware: a path with an encoded slash, decoded segment by segment."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path") if scope["type"] in ("http", "websocket") else None
        if raw and b"%2f" in raw.lower():
            try:
                path = raw.split(b"?", 1)[0].decode("ascii")
            except UnicodeDecodeError:
                path = None  # not a path a client sends: left as the server decoded it
            if path is not None:
                segments = (unquote(s).replace("/", SLASH) for s in path.split("/"))
                scope = {**scope, "path": "/".join(segments), REWRITTEN: True}
        await self.app(scope, receive, send)


async def slashes_back(request: Request) -> None:
    """The matched path parameters with their encoded slashes back (in place: FastAPI reads
    them after the router's dependencies)."""
    params = request.scope.get("path_params")
    if params and request.scope.get(REWRITTEN):
        for name, value in params.items():
            if isinstance(value, str):
                params[name] = value.replace(SLASH, "/")
