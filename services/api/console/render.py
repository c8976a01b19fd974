"""How the console answers with a page: its template, the CSRF cookie, strict headers."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from services.api.console import session

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
# No third-party host, no inline script: every script and style is one of the console's files.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def page(request: Request, template: str, status_code: int = 200, **context) -> Response:
    csrf = session.csrf_token(request)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {"csrf": csrf, "signed_in": signed_in(request), **context},
        status_code=status_code,
    )
    session.keep_csrf(request, response, csrf)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def signed_in(request: Request) -> bool:
    return bool(request.cookies.get(session.TOKEN_COOKIE))


def screen(request: Request, template: str, **context) -> Response:
    """A screen's shell, or the sign-in form (coming back here after) without a session."""
    if not signed_in(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return page(request, "sign_in.html", next=target, error=None)
    return page(request, template, **context)


def not_found(request: Request) -> Response:
    return page(request, "not_found.html", status_code=404, screen=None)
