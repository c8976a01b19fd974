"""Bearer tokens: created and revoked from the command line, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

import psycopg

ROLES = ("admin", "manager", "agent", "auditor")
# Seed 000: email activities are shown in full only to users with email permission.
EMAIL_BY_DEFAULT = {"admin": True, "manager": True, "auditor": True, "agent": False}
TOKEN_PREFIX = "chr_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: every query is scoped by this (see services/api/scope.py)."""

    workspace_id: str
    user_id: str
    role: str
    teams: tuple[str, ...] = field(default_factory=tuple)
    email_access: bool = False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    conn: psycopg.Connection,
    workspace_id: str,
    user_id: str,
    role: str,
    teams: tuple[str, ...] = (),
    label: str | None = None,
    email_access: bool | None = None,
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    email = EMAIL_BY_DEFAULT[role] if email_access is None else email_access
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO api_tokens (token_hash, workspace_id, user_id, teams, role, email_access, "
        "label) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (token_hash(token), workspace_id, user_id, list(teams), role, email, label),
    )
    return token


def revoke_token(conn: psycopg.Connection, token: str) -> bool:
    cur = conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE token_hash = %s AND revoked_at IS NULL",
        (token_hash(token),),
    )
    return cur.rowcount == 1


SELECT_PRINCIPAL = (
    "SELECT workspace_id, user_id, role, teams, email_access FROM api_tokens "
    "WHERE token_hash = %s AND revoked_at IS NULL"
)
