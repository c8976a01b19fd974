"""The console's screens: one server-rendered shell each.

A shell carries the screen's static parts (headings, filter forms, table headers) and
its script, which reads everything else from the public API in the browser. Nothing here
queries the database.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.api.console.render import not_found, screen

router = APIRouter(include_in_schema=False)
Id = Annotated[str, PathParam(max_length=300)]
SUBJECTS = {"contacts": "contact", "leads": "lead", "accounts": "account"}


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
    return screen(request, "home.html", screen="home")


@router.get("/{kind}/{subject_id}/timeline", response_class=HTMLResponse)
async def timeline(request: Request, kind: str, subject_id: Id) -> Response:
    if kind not in SUBJECTS:
        return not_found(request)
    subject = SUBJECTS[kind]
    return screen(request, "timeline.html", screen="timeline", subject=subject, id=subject_id)


@router.get("/{kind}/{subject_id}/analytics", response_class=HTMLResponse)
async def analytics(request: Request, kind: str, subject_id: Id) -> Response:
    if kind not in ("contacts", "teams"):
        return not_found(request)
    subject = kind[:-1]
    return screen(request, "analytics.html", screen="analytics", subject=subject, id=subject_id)


@router.get("/activities", response_class=HTMLResponse)
async def activities(request: Request) -> Response:
    return screen(request, "activities.html", screen="activities")


@router.get("/conversations/{conversation_id}/messages", response_class=HTMLResponse)
async def messages(request: Request, conversation_id: Id) -> Response:
    return screen(request, "messages.html", screen="messages", id=conversation_id)


@router.get("/conversations/{conversation_id}/trail", response_class=HTMLResponse)
async def trail(request: Request, conversation_id: Id) -> Response:
    return screen(request, "trail.html", screen="trail", id=conversation_id)


@router.get("/reports/contacts", response_class=HTMLResponse)
async def contacts_report(request: Request) -> Response:
    return screen(request, "report.html", screen="report")


@router.get("/contacts/{contact_id}/emails", response_class=HTMLResponse)
async def contact_emails(request: Request, contact_id: Id) -> Response:
    return screen(request, "emails.html", screen="emails", id=contact_id)


@router.get("/emails/{email_id}", response_class=HTMLResponse)
async def outgoing_email(request: Request, email_id: Id) -> Response:
    return screen(request, "email.html", screen="email", id=email_id, direction="outbound")


@router.get("/incoming-emails/{email_id}", response_class=HTMLResponse)
async def incoming_email(request: Request, email_id: Id) -> Response:
    return screen(request, "email.html", screen="email", id=email_id, direction="inbound")


@router.get("/audit", response_class=HTMLResponse)
async def audit(request: Request) -> Response:
    return screen(request, "audit.html", screen="audit")
