"""The console's pages: sign-in and sign-out, and one server-rendered shell per screen.

A shell carries the screen's static parts (headings, filter forms, table headers) and
its script, which reads everything else from the public API in the browser. Nothing here
queries the database: sign-in checks the token with a call to `GET /v1/workspace`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs, quote

import httpx
from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.api.console import session

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
# No third-party host, no inline script: every script and style is one of the console's files.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
router = APIRouter(include_in_schema=False)
Id = Annotated[str, PathParam(max_length=300)]
SUBJECTS = {"contacts": "contact", "leads": "lead", "accounts": "account"}


def _page(request: Request, template: str, **context) -> Response:
    csrf = session.csrf_token(request)
    response = TEMPLATES.TemplateResponse(
        request, template, {"csrf": csrf, "signed_in": _signed_in(request), **context}
    )
    session.keep_csrf(request, response, csrf)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _signed_in(request: Request) -> bool:
    return bool(request.cookies.get(session.TOKEN_COOKIE))


def _screen(request: Request, template: str, **context) -> Response:
    if not _signed_in(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return _page(request, "sign_in.html", next=target, error=None)
    return _page(request, template, **context)


def _safe_next(value: str | None) -> str:
    """Only a path of the console itself: never another site after signing in."""
    if value and value.startswith("/console") and not value.startswith("/console//"):
        return value
    return "/console/"


async def _workspace(request: Request, token: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console") as api:
        return await api.get("/v1/workspace", headers={"Authorization": f"Bearer {token}"})


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, next: str | None = None) -> Response:
    return _page(request, "sign_in.html", next=_safe_next(next), error=None)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
    target = _safe_next(form.get("next"))
    if not session.csrf_ok(request.scope, form.get("csrf")):
        error = "The form expired: please sign in again."
        return _page(request, "sign_in.html", next=target, error=error)
    token = form.get("token", "").strip()
    answer = await _workspace(request, token) if token else None
    if answer is None or answer.status_code != 200:
        error = "That token was not accepted (wrong, revoked, or missing)."
        page = _page(request, "sign_in.html", next=target, error=error)
        page.status_code = 401
        return page
    response = RedirectResponse(target, status_code=303)
    session.sign_in(request, response, token)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
    if not session.csrf_ok(request.scope, form.get("csrf")):
        return RedirectResponse("/console/", status_code=303)
    response = RedirectResponse("/console/sign-in", status_code=303)
    session.sign_out(response)
    return response


@router.get("")
async def bare() -> Response:
    return RedirectResponse("/console/", status_code=307)


OPEN = {
    "contact": "/console/contacts/{}/timeline",
    "lead": "/console/leads/{}/timeline",
    "account": "/console/accounts/{}/timeline",
    "messages": "/console/conversations/{}/messages",
    "trail": "/console/conversations/{}/trail",
    "emails": "/console/contacts/{}/emails",
    "analytics": "/console/contacts/{}/analytics",
    "team": "/console/teams/{}/analytics",
    "email": "/console/emails/{}",
    "incoming": "/console/incoming-emails/{}",
}


@router.get("/open")
async def open_record(what: str = "contact", id: str = "") -> Response:
    """The home page's "open a record" form: a plain GET form, so no script is needed."""
    if what not in OPEN or not id.strip():
        return RedirectResponse("/console/", status_code=303)
    return RedirectResponse(OPEN[what].format(quote(id.strip(), safe="")), status_code=303)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    return _screen(request, "home.html", screen="home")


@router.get("/{kind}/{subject_id}/timeline", response_class=HTMLResponse)
async def timeline(request: Request, kind: str, subject_id: Id) -> Response:
    if kind not in SUBJECTS:
        page = _page(request, "not_found.html", screen=None)
        page.status_code = 404
        return page
    subject = SUBJECTS[kind]
    return _screen(request, "timeline.html", screen="timeline", subject=subject, id=subject_id)


@router.get("/{kind}/{subject_id}/analytics", response_class=HTMLResponse)
async def analytics(request: Request, kind: str, subject_id: Id) -> Response:
    if kind not in ("contacts", "teams"):
        page = _page(request, "not_found.html", screen=None)
        page.status_code = 404
        return page
    subject = kind[:-1]
    return _screen(request, "analytics.html", screen="analytics", subject=subject, id=subject_id)


@router.get("/activities", response_class=HTMLResponse)
async def activities(request: Request) -> Response:
    return _screen(request, "activities.html", screen="activities")


@router.get("/conversations/{conversation_id}/messages", response_class=HTMLResponse)
async def messages(request: Request, conversation_id: Id) -> Response:
    return _screen(request, "messages.html", screen="messages", id=conversation_id)


@router.get("/conversations/{conversation_id}/trail", response_class=HTMLResponse)
async def trail(request: Request, conversation_id: Id) -> Response:
    return _screen(request, "trail.html", screen="trail", id=conversation_id)


@router.get("/reports/contacts", response_class=HTMLResponse)
async def contacts_report(request: Request) -> Response:
    return _screen(request, "report.html", screen="report")


@router.get("/contacts/{contact_id}/emails", response_class=HTMLResponse)
async def contact_emails(request: Request, contact_id: Id) -> Response:
    return _screen(request, "emails.html", screen="emails", id=contact_id)


@router.get("/emails/{email_id}", response_class=HTMLResponse)
async def outgoing_email(request: Request, email_id: Id) -> Response:
    return _screen(request, "email.html", screen="email", id=email_id, direction="outbound")


@router.get("/incoming-emails/{email_id}", response_class=HTMLResponse)
async def incoming_email(request: Request, email_id: Id) -> Response:
    return _screen(request, "email.html", screen="email", id=email_id, direction="inbound")


@router.get("/audit", response_class=HTMLResponse)
async def audit(request: Request) -> Response:
    return _screen(request, "audit.html", screen="audit")
