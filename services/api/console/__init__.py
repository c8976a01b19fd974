"""The web console: Chronicle's read screens for people, at /console (docs/console.md).

It is a client of the public HTTP API and its live feeds, nothing more: pages are
server-rendered shells (Jinja2) whose scripts call /v1/... from the browser. Signing in
puts the API token in an HttpOnly cookie; `session.CookieBearer` turns that cookie into
the `Authorization` header the API already checks, so the console sees exactly what the
token may see, with no query or scope of its own.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from services.api.console import pages, sign_in
from services.api.console.session import CookieBearer
from services.api.slashes import slashes_back

PREFIX = "/console"
STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Serve the console from `app`: its pages, its shipped assets, the cookie sign-in."""
    app.include_router(sign_in.router, prefix=PREFIX)
    # ids with a slash, as the API's routes (services/api/slashes.py)
    app.include_router(pages.router, prefix=PREFIX, dependencies=[Depends(slashes_back)])
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_middleware(CookieBearer)
