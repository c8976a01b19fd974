"""The OAuth 2.0 side of the fake Google (tests/support/fake_gmail.py): OAuth clients with
their secrets, consent that issues a code (PKCE checked), the token endpoint's grants
(authorization code, refresh token, a service account's signed JWT with domain-wide
delegation), access tokens that expire, and grants a person revokes."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt
from google.auth.exceptions import GoogleAuthError

JWT_AUDIENCE = "https://oauth2.googleapis.com/token"
REVOKED = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
NO_DELEGATION = {
    "error": "unauthorized_client",
    "error_description": "Client is unauthorized to retrieve access tokens using this method, "
    "or client not authorized for any of the scopes requested.",
}


class TokenRefused(Exception):
    def __init__(self, status: int, body: dict) -> None:
        super().__init__(body.get("error"))
        self.status, self.body = status, body


@dataclass
class Grant:
    client_id: str
    user: str
    scopes: frozenset[str]
    revoked: bool = False


@dataclass
class Access:
    user: str
    scopes: frozenset[str]
    expires: float
    grant: Grant | None = None


@dataclass
class FakeOAuth:
    token_uri: str
    clients: dict[str, dict] = field(default_factory=dict)  # id -> secret, kind, redirects
    grants: dict[str, Grant] = field(default_factory=dict)  # refresh token -> grant
    access: dict[str, Access] = field(default_factory=dict)
    codes: dict[str, dict] = field(default_factory=dict)
    service_accounts: dict[str, dict] = field(default_factory=dict)  # email -> key, delegation

    def client(self, kind: str, redirect_uris: list[str]) -> tuple[str, str]:
        client_id = f"{secrets.token_hex(6)}.apps.googleusercontent.com"
        secret = "GOCSPX-" + secrets.token_urlsafe(18)
        self.clients[client_id] = {"secret": secret, "kind": kind, "redirects": redirect_uris}
        return client_id, secret

    def consent(self, query: dict[str, str], user: str) -> str:
        """The person `user` signs in and allows: the code for the redirect."""
        client = self.clients.get(query.get("client_id", ""))
        if client is None:
            raise TokenRefused(401, {"error": "invalid_client"})
        redirect = query.get("redirect_uri", "")
        loopback = redirect.startswith(("http://localhost", "http://127.0.0.1"))
        if redirect not in client["redirects"] and not (client["kind"] == "installed" and loopback):
            raise TokenRefused(400, {"error": "redirect_uri_mismatch"})
        code = "4/0A" + secrets.token_urlsafe(24)
        self.codes[code] = {**query, "user": user}
        return code

    def token(self, form: dict[str, str]) -> dict:
        grant_type = form.get("grant_type")
        if grant_type == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._jwt(form.get("assertion", ""))
        client = self.clients.get(form.get("client_id", ""))
        if client is None or client["secret"] != form.get("client_secret"):
            raise TokenRefused(
                401, {"error": "invalid_client", "error_description": "Unauthorized"}
            )
        if grant_type == "authorization_code":
            return self._code(form)
        if grant_type == "refresh_token":
            grant = self.grants.get(form.get("refresh_token", ""))
            if grant is None or grant.revoked or grant.client_id != form["client_id"]:
                raise TokenRefused(400, REVOKED)
            asked = frozenset(form.get("scope", "").split()) or grant.scopes
            if not asked <= grant.scopes:
                raise TokenRefused(400, {"error": "invalid_scope"})
            return self._issue(grant.user, asked, grant)
        raise TokenRefused(400, {"error": "unsupported_grant_type"})

    def _code(self, form: dict[str, str]) -> dict:
        asked = self.codes.pop(form.get("code", ""), None)
        bad = {"error": "invalid_grant", "error_description": "Bad Request"}
        if asked is None or asked["client_id"] != form["client_id"]:
            raise TokenRefused(400, bad)
        if asked.get("redirect_uri") != form.get("redirect_uri"):
            raise TokenRefused(400, {"error": "redirect_uri_mismatch"})
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if asked.get("code_challenge") and challenge.decode() != asked["code_challenge"]:
            raise TokenRefused(400, {"error": "invalid_grant", "error_description": "PKCE"})
        grant = Grant(asked["client_id"], asked["user"], frozenset(asked["scope"].split()))
        answer = self._issue(grant.user, grant.scopes, grant)
        if asked.get("access_type") == "offline":
            refresh = "1//0g" + secrets.token_urlsafe(32)
            self.grants[refresh] = grant
            answer["refresh_token"] = refresh
        return answer

    def _jwt(self, assertion: str) -> dict:
        unverified = jwt.decode(assertion, verify=False)
        account = self.service_accounts.get(unverified.get("iss", ""))
        if account is None:
            raise TokenRefused(400, {"error": "invalid_grant", "error_description": "no account"})
        try:  # google-auth addresses the assertion to Google's endpoint, wherever it goes
            claims = jwt.decode(assertion, certs=account["public_pem"], audience=JWT_AUDIENCE)
        except (GoogleAuthError, ValueError) as e:
            raise TokenRefused(400, {"error": "invalid_grant", "error_description": str(e)}) from e
        asked = frozenset(claims.get("scope", "").split())
        allowed = account["delegation"].get(claims.get("sub", ""), frozenset())
        if not asked or not asked <= allowed:
            raise TokenRefused(401, NO_DELEGATION)
        return self._issue(claims["sub"], asked)

    def _issue(self, user: str, scopes: frozenset[str], grant: Grant | None = None) -> dict:
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        self.access[token] = Access(user, scopes, time.time() + 3599, grant)
        return {
            "access_token": token,
            "expires_in": 3599,
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
        }

    def who(self, token: str) -> Access | None:
        found = self.access.get(token)
        if found is None or found.expires < time.time():
            return None
        if found.grant is not None and found.grant.revoked:
            return None
        return found

    def service_account(self, delegation: dict[str, frozenset[str]]) -> dict:
        """A key file as the Cloud console gives it, its key made here."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        email = f"chronicle-{secrets.token_hex(3)}@project.iam.gserviceaccount.com"
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.service_accounts[email] = {"public_pem": public, "delegation": delegation}
        return {
            "type": "service_account",
            "project_id": "project",
            "private_key_id": secrets.token_hex(20),
            "private_key": pem,
            "client_email": email,
            "client_id": str(secrets.randbelow(10**20)),
            "token_uri": self.token_uri,
        }


def client_file(
    kind: str, client_id: str, secret: str, auth_uri: str, token_uri: str, redirect_uris: list[str]
) -> str:
    """The client secrets JSON of an OAuth client, as the Cloud console downloads it."""
    return json.dumps(
        {
            kind: {
                "client_id": client_id,
                "client_secret": secret,
                "auth_uri": auth_uri,
                "token_uri": token_uri,
                "redirect_uris": redirect_uris,
            }
        }
    )
