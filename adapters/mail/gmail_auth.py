"""Gmail authorization, on google-auth: a person's OAuth 2.0 grant (refresh token from the
installed-app or web flow) or a Workspace service account acting as a user (domain-wide
delegation). What is kept is split like every mailbox's: `GmailAccount` (client id, token
endpoint, scopes, label: the `gmail` column) and the secret (the `secret` column, or
`env:NAME`): JSON with `refresh_token` and `client_secret`, or the service account's key.
Access tokens live in memory only and are refreshed by google-auth when they expire.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict, dataclass

from google.auth.credentials import Credentials
from google.auth.exceptions import RefreshError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

GMAIL = "https://www.googleapis.com/auth/"
SEND, READONLY, MODIFY = GMAIL + "gmail.send", GMAIL + "gmail.readonly", GMAIL + "gmail.modify"
FULL = "https://mail.google.com/"
CAN_SEND = {SEND, MODIFY, FULL, GMAIL + "gmail.compose"}
CAN_READ = {READONLY, MODIFY, FULL}
TOKEN_URI = "https://oauth2.googleapis.com/token"
# Answers of Google's token endpoint that no retry can mend: a person must consent again
# (or an admin grant the delegation again).
GRANT_GONE = {
    "invalid_grant",
    "invalid_client",
    "unauthorized_client",
    "access_denied",
    "invalid_scope",
    "deleted_client",
    "disabled_client",
}


@dataclass(frozen=True)
class GmailAccount:
    """A connected Gmail mailbox, without its secret."""

    auth: str  # oauth | service_account
    scopes: tuple[str, ...]
    token_uri: str = TOKEN_URI
    client_id: str | None = None  # oauth: the OAuth client the person consented to
    label: str = "INBOX"  # what the poller reads
    since: str | None = None  # ISO time: the first full sync reads mail from here
    api_endpoint: str | None = None  # another Gmail endpoint (a proxy; the tests' fake)

    @classmethod
    def of(cls, config: dict) -> GmailAccount:
        known = {k: v for k, v in config.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "scopes": tuple(config.get("scopes", ()))})

    def as_config(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def can_send(self) -> bool:
        return bool(CAN_SEND & set(self.scopes))

    @property
    def can_read(self) -> bool:
        return bool(CAN_READ & set(self.scopes))


_cache: dict[tuple, Credentials] = {}
_cache_lock = threading.Lock()


def credentials(account: GmailAccount, secret: str, user: str) -> Credentials:
    """The mailbox's credentials, one object per grant in this process, so an access
    token is reused until it expires rather than fetched again for every poll."""
    digest = hashlib.sha256(secret.encode()).hexdigest()
    key = (account.auth, account.client_id, account.token_uri, account.scopes, user, digest)
    with _cache_lock:
        found = _cache.get(key)
        if found is None:
            found = _cache[key] = _new(account, json.loads(secret), user)
        return found


def _new(account: GmailAccount, secret: dict, user: str) -> Credentials:
    if account.auth == "service_account":
        return service_account.Credentials.from_service_account_info(
            secret, scopes=list(account.scopes), subject=user
        )
    return user_credentials.Credentials(
        token=None,
        refresh_token=secret["refresh_token"],
        token_uri=account.token_uri,
        client_id=account.client_id,
        client_secret=secret["client_secret"],
        scopes=list(account.scopes),
    )


def grant_gone(error: RefreshError) -> str | None:
    """Why the grant can no longer be used, when Google's answer says so; None for an
    answer worth trying again (the token endpoint down or busy)."""
    data = error.args[1] if len(error.args) > 1 else None
    if error.retryable or not isinstance(data, dict) or data.get("error") not in GRANT_GONE:
        return None
    described = f": {data['error_description']}" if data.get("error_description") else ""
    return f"Google refused the mailbox's grant ({data['error']}{described}); connect it again"
