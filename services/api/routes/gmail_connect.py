"""Connecting a Gmail mailbox over HTTP (the web flow; the command line's counterpart is
`chronicle mailbox add --gmail`). An admin or manager asks for a consent address for a
mailbox; its owner opens it, signs in and allows; Google sends their browser back to the
callback, which exchanges the code, tries the grant and connects the mailbox. Needs
CHRONICLE_GMAIL_CLIENT_SECRETS (a Web application OAuth client) and, registered in it,
CHRONICLE_GMAIL_REDIRECT_URI pointing at the callback."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import psycopg
from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from adapters.mail import gmail_pending, mailboxes
from adapters.mail.gmail_auth import MODIFY, READONLY, SEND, GmailAccount
from adapters.mail.gmail_calls import GmailError
from adapters.mail.gmail_consent import Consent, ConsentFailed, try_grant
from adapters.mail.port import ReconnectNeeded
from adapters.settings import Settings
from services.api.deps import ERRORS, CallerScope, ErrorOut

router = APIRouter(
    tags=["mailboxes"],
    responses={
        **ERRORS,
        403: {"model": ErrorOut, "description": "Connecting a mailbox needs admin or manager"},
        409: {"model": ErrorOut, "description": "No Google OAuth client is configured"},
    },
)
SCOPES = {"send+readonly": [SEND, READONLY], "modify": [MODIFY], "send": [SEND]}
CONNECTS = ("admin", "manager")


class GmailConsentIn(BaseModel):
    address: str = Field(min_length=3, max_length=320, description="The Gmail address")
    display_name: str | None = Field(None, max_length=500)
    owner_user_id: str | None = Field(None, max_length=200)
    team_id: str | None = Field(None, max_length=200, description="The team of its emails")
    scopes: Literal["send+readonly", "modify", "send"] = "send+readonly"
    label: str = Field("INBOX", max_length=200, description="The label the poller reads")
    since: AwareDatetime | None = Field(None, description="First sync from (default: 30 days)")


class GmailConsentOut(BaseModel):
    consent_url: str = Field(description="Where the mailbox's owner signs in and allows")
    expires_at: datetime


class ConnectedOut(BaseModel):
    workspace_id: str
    mailbox_id: str
    address: str
    state: Literal["connected"]


def _client(settings: Settings) -> dict:
    if not settings.gmail_client_secrets:
        raise HTTPException(  # the deployment's choice, not a failure: 409, not 5xx
            409, "this API has no Google OAuth client (CHRONICLE_GMAIL_CLIENT_SECRETS)"
        )
    return json.loads(settings.gmail_client_secrets.read_text())


@router.post(
    "/v1/mailboxes/{mailbox_id}/gmail/consent",
    response_model=GmailConsentOut,
    summary="Begin connecting a Gmail mailbox: the consent address for its owner",
)
async def begin(
    request: Request,
    scope: CallerScope,
    mailbox_id: Annotated[str, Path(max_length=200, description="The mailbox id emails name")],
    body: GmailConsentIn,
) -> GmailConsentOut:
    if scope.principal.role not in CONNECTS:
        raise HTTPException(403, "only an admin or a manager connects mailboxes")
    settings: Settings = request.app.state.settings
    client = _client(settings)
    consent = Consent.begin(client, SCOPES[body.scopes], settings.gmail_redirect_uri)
    since = body.since or datetime.now(UTC) - timedelta(days=30)
    wanted = {**body.model_dump(exclude={"since"}), "since": since.isoformat()}
    await asyncio.to_thread(
        _write,
        settings,
        gmail_pending.remember,
        consent.state,
        scope.workspace_id,
        mailbox_id,
        scope.principal.user_id,
        wanted,
        consent.flow.code_verifier,
        consent.flow.redirect_uri,
    )
    return GmailConsentOut(
        consent_url=consent.url, expires_at=datetime.now(UTC) + timedelta(hours=1)
    )


@router.get(
    "/v1/gmail/consent/callback",
    response_model=ConnectedOut,
    summary="Where Google sends the owner back: the mailbox is connected (no bearer token: "
    "the consent's state stands for it)",
)
async def callback(
    request: Request,
    state: Annotated[str, Query(max_length=200, description="The consent's state")],
    code: Annotated[str | None, Query(max_length=2000, description="Google's code")] = None,
    error: Annotated[str | None, Query(max_length=200, description="Google's refusal")] = None,
) -> ConnectedOut:
    settings: Settings = request.app.state.settings
    pending = await asyncio.to_thread(_write, settings, gmail_pending.take, state)
    if pending is None:
        raise HTTPException(400, "unknown or expired consent: ask for a new consent address")
    if error or not code:
        raise HTTPException(400, f"Google answered: {error or 'no code'}")
    wanted = pending["mailbox"]
    try:
        account, secret, whose = await asyncio.to_thread(_connect, settings, pending, code)
    except (ConsentFailed, GmailError, ReconnectNeeded) as e:
        raise HTTPException(400, f"not connected: {getattr(e, 'error', None) or e}") from None
    if whose and whose.lower() != wanted["address"].lower():
        raise HTTPException(
            400, f"not connected: the grant is for {whose}, not {wanted['address']}"
        )
    mailbox = mailboxes.Mailbox(
        pending["workspace_id"],
        pending["mailbox_id"],
        wanted["address"],
        wanted.get("owner_user_id"),
        wanted.get("team_id"),
        wanted.get("display_name"),
        gmail=account.as_config(),
        secret=secret,
    )
    await asyncio.to_thread(_write, settings, mailboxes.save, mailbox)
    return ConnectedOut(
        workspace_id=mailbox.workspace_id,
        mailbox_id=mailbox.mailbox_id,
        address=mailbox.address,
        state="connected",
    )


def _connect(settings: Settings, pending: dict, code: str) -> tuple[GmailAccount, str, str | None]:
    wanted = pending["mailbox"]
    consent = Consent.resume(
        _client(settings),
        SCOPES[wanted["scopes"]],
        pending["redirect_uri"],
        "",
        pending["code_verifier"],
    )
    account, secret = consent.finish(code)
    account = GmailAccount.of(
        {
            **account.as_config(),
            "label": wanted["label"],
            "since": wanted["since"],
            "api_endpoint": settings.gmail_api_endpoint,
        }
    )
    return account, secret, try_grant(account, secret, wanted["address"])


def _write(settings: Settings, action, *args):
    """On the primary database: the API's own pool may read from a replica."""
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        return action(conn, *args)
