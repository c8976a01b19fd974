"""Bearer tokens: created and revoked from the command line, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
from psycopg.rows import dict_row

ROLES = ("admin", "manager", "agent", "auditor")
# Seed 000: email activities are shown in full only to users with email permission.
EMAIL_BY_DEFAULT = {"admin": True, "manager": True, "auditor": True, "agent": False}
TOKEN_PREFIX = "chr_"
DEFAULT_LIFETIME = timedelta(days=90)


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
    lifetime: timedelta | None = DEFAULT_LIFETIME,
) -> str:
    """A new token (printed once, stored as a hash), valid for `lifetime` (None: until
    revoked)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    email = EMAIL_BY_DEFAULT[role] if email_access is None else email_access
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO api_tokens (token_hash, workspace_id, user_id, teams, role, email_access, "
        "label, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, now() + %s)",
        (token_hash(token), workspace_id, user_id, list(teams), role, email, label, lifetime),
    )
    return token


def revoke_token(
    conn: psycopg.Connection,
    token: str | None = None,
    *,
    token_id: int | None = None,
    label: str | None = None,
    workspace_id: str | None = None,
) -> int:
    """Revoke by the token itself, by its id (`token list`), or every token with a label
    (in a workspace, when given); returns how many were revoked."""
    where, params = ["revoked_at IS NULL"], []
    if token is not None:
        where.append("token_hash = %s")
        params.append(token_hash(token))
    if token_id is not None:
        where.append("id = %s")
        params.append(token_id)
    if label is not None:
        where.append("label = %s")
        params.append(label)
    if workspace_id is not None:
        where.append("workspace_id = %s")
        params.append(workspace_id)
    if len(where) == 1 or (len(where) == 2 and workspace_id is not None):
        raise ValueError("name the token, its id or its label")
    cur = conn.execute(
        f"UPDATE api_tokens SET revoked_at = now() WHERE {' AND '.join(where)}", params
    )
    return cur.rowcount


def list_tokens(
    conn: psycopg.Connection, workspace_id: str | None = None, include_ended: bool = False
) -> list[dict]:
    """Tokens (never their plaintext): id, who, role, label, made, expires, revoked."""
    where = ["true"] if include_ended else [LIVE]
    params = []
    if workspace_id:
        where.append("workspace_id = %s")
        params.append(workspace_id)
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT id, workspace_id, user_id, role, teams, email_access, label, created_at, "
            f"expires_at, revoked_at FROM api_tokens WHERE {' AND '.join(where)} ORDER BY id",
            params,
        ).fetchall()


LIVE = "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())"
SELECT_PRINCIPAL = (
    "SELECT workspace_id, user_id, role, teams, email_access FROM api_tokens "
    f"WHERE token_hash = %s AND {LIVE}"
)
