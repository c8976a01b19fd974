"""Signing in and out: the token checked with the API, then kept in the session cookie."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.api.console import session
from services.api.console.render import page

router = APIRouter(include_in_schema=False)


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
    return page(request, "sign_in.html", next=_safe_next(next), error=None)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
    target = _safe_next(form.get("next"))
    if not session.csrf_ok(request.scope, form.get("csrf")):
        error = "The form expired: please sign in again."
        return page(request, "sign_in.html", next=target, error=error)
    token = form.get("token", "").strip()
    plausible = token and token.isascii() and token.isprintable()  # fits in a header
    answer = await _workspace(request, token) if plausible else None
    if answer is None or answer.status_code != 200:
        error = "That token was not accepted (wrong, revoked, or missing)."
        return page(request, "sign_in.html", status_code=401, next=target, error=error)
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
