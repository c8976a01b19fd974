"""Bearer tokens: created and revoked from the command line, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

import psycopg

ROLES = ("admin", "manager", "agent", "auditor")
TOKEN_PREFIX = "chr_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: every query is scoped by this."""

    workspace_id: str
    user_id: str
    role: str
    teams: tuple[str, ...] = field(default_factory=tuple)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    conn: psycopg.Connection,
    workspace_id: str,
    user_id: str,
    role: str,
    teams: tuple[str, ...] = (),
    label: str | None = None,
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO api_tokens (token_hash, workspace_id, user_id, teams, role, label) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (token_hash(token), workspace_id, user_id, list(teams), role, label),
    )
    return token


def revoke_token(conn: psycopg.Connection, token: str) -> bool:
    cur = conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE token_hash = %s AND revoked_at IS NULL",
        (token_hash(token),),
    )
    return cur.rowcount == 1


SELECT_PRINCIPAL = (
    "SELECT workspace_id, user_id, role, teams FROM api_tokens "
    "WHERE token_hash = %s AND revoked_at IS NULL"
)
