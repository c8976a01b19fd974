"""A person connecting their Gmail mailbox: Google's OAuth 2.0 consent with
google-auth-oauthlib, for an installed-app client (redirect to a loopback address) or a web
client (redirect to the web application's page). The consent URL asks for offline access,
so Google returns a refresh token, and always shows the consent screen, so it returns one
again on a reconnection. PKCE protects the code on its way back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request
from google_auth_oauthlib.flow import Flow

from adapters.mail.gmail import GmailSender
from adapters.mail.gmail_auth import GmailAccount, credentials, grant_gone
from adapters.mail.gmail_calls import Backoff, call
from adapters.mail.port import ReconnectNeeded


class ConsentFailed(Exception):
    """The consent did not end in a grant Chronicle can keep."""


@dataclass
class Consent:
    flow: Flow
    url: str  # where the person signs in and allows
    state: str

    @classmethod
    def begin(
        cls, client_config: dict, scopes: list[str], redirect_uri: str | None = None
    ) -> Consent:
        kind = "web" if "web" in client_config else "installed"
        registered = client_config.get(kind, {}).get("redirect_uris") or ["http://localhost"]
        flow = Flow.from_client_config(
            client_config, scopes=scopes, redirect_uri=redirect_uri or registered[0]
        )
        url, state = flow.authorization_url(
            access_type="offline", prompt="consent", include_granted_scopes="false"
        )
        return cls(flow, url, state)

    @classmethod
    def resume(
        cls, client_config: dict, scopes: list[str], redirect_uri: str, state: str, verifier: str
    ) -> Consent:
        """The consent `begin` started in another request (the web flow)."""
        flow = Flow.from_client_config(
            client_config,
            scopes=scopes,
            redirect_uri=redirect_uri,
            state=state,
            code_verifier=verifier,
        )
        return cls(flow, "", state)

    def finish(self, pasted: str) -> tuple[GmailAccount, str]:
        """`pasted`: the code, or the whole address the browser was sent back to. Returns
        the account and its secret (JSON: refresh token and client secret)."""
        pasted = pasted.strip()
        code = pasted
        if "code=" in pasted:
            query = parse_qs(urlsplit(pasted).query or pasted)
            if query.get("error"):
                raise ConsentFailed(f"Google answered: {query['error'][0]}")
            if query.get("state", [self.state])[0] != self.state:
                raise ConsentFailed("that address belongs to another consent (state differs)")
            code = query["code"][0]
        try:
            self.flow.fetch_token(code=code)
        except Exception as e:  # oauthlib's errors name the problem, never the tokens
            raise ConsentFailed(f"Google did not take the code: {type(e).__name__}: {e}") from None
        creds = self.flow.credentials
        if not creds.refresh_token:
            raise ConsentFailed(
                "Google gave no refresh token; remove Chronicle's access in the Google "
                "account and connect again"
            )
        config = self.flow.client_config
        session = self.flow.oauth2session
        granted = session.token.get("scope") or session.scope or ()
        granted = tuple(sorted(granted.split() if isinstance(granted, str) else granted))
        account = GmailAccount(
            "oauth", granted, token_uri=config["token_uri"], client_id=config["client_id"]
        )
        secret = {"refresh_token": creds.refresh_token, "client_secret": config["client_secret"]}
        return account, json.dumps(secret)


def try_grant(account: GmailAccount, secret: str, address: str) -> str | None:
    """Use a new grant once (a fresh access token, and the mailbox's own address when the
    scopes allow reading it), so a refused grant is found when connecting, not by the
    first email. Returns the address the grant is for, when Gmail says."""
    if not account.can_read:
        try:
            credentials(account, secret, address).refresh(Request())
        except RefreshError as e:
            raise ReconnectNeeded(grant_gone(e) or f"Google's token endpoint: {e.args[0]}") from e
        return None
    gmail = GmailSender(account, secret, address, backoff=Backoff(tries=3))
    with gmail.client() as client:
        return call(lambda: client.users().getProfile(userId="me"), gmail.backoff)["emailAddress"]
