"""Bus credentials of producers and readers, kept in PostgreSQL (the registry every
Chronicle process shares), rendered into nats-server users (adapters/bus/access.py).

Only a bcrypt hash of each password is kept, here and in the server's configuration; the
password itself is shown once, when the credential is made. Revoking one removes its user
from the configuration the next time it is rendered (the embedded server rereads it at
once, `chronicle producer revoke`; another server when its operator reloads it).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import bcrypt
import psycopg
from psycopg.rows import dict_row

from adapters.bus.access import BusUser, producer_user, reader_user

DDL = """
CREATE TABLE IF NOT EXISTS bus_credentials (
    name text PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('producer', 'reader')),
    workspaces text[] NOT NULL,
    password_hash text NOT NULL,
    label text,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
)
"""
_WORKSPACE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PREFIX = {"producer": "p_", "reader": "r_"}


@dataclass(frozen=True)
class Credential:
    name: str
    role: str
    workspaces: list[str]
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    password: str | None = None  # only when just made

    def inbox_prefix(self) -> str:
        return f"_INBOX.{self.name}"


def create(conn: psycopg.Connection, role: str, workspaces: list[str], label: str | None):
    """A new credential; its password is in the result, and nowhere else ever again."""
    if role not in PREFIX:
        raise ValueError("role must be producer or reader")
    if not workspaces or not all(_WORKSPACE.match(ws) for ws in workspaces):
        raise ValueError("give one or more workspace ids (letters, digits, _ and -)")
    conn.execute(DDL)
    name = PREFIX[role] + secrets.token_hex(6)
    password = secrets.token_urlsafe(24)
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()
    row = conn.execute(
        "INSERT INTO bus_credentials (name, role, workspaces, password_hash, label) "
        "VALUES (%s, %s, %s, %s, %s) RETURNING created_at",
        (name, role, sorted(set(workspaces)), hashed, label),
    ).fetchone()
    return Credential(name, role, sorted(set(workspaces)), label, row[0], None, password)


def listed(conn: psycopg.Connection, include_revoked: bool = False) -> list[Credential]:
    conn.execute(DDL)
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "SELECT name, role, workspaces, label, created_at, revoked_at FROM bus_credentials "
            + ("" if include_revoked else "WHERE revoked_at IS NULL ")
            + "ORDER BY created_at, name"
        ).fetchall()
    return [Credential(**r) for r in rows]


def revoke(conn: psycopg.Connection, name: str) -> bool:
    conn.execute(DDL)
    done = conn.execute(
        "UPDATE bus_credentials SET revoked_at = now() WHERE name = %s AND revoked_at IS NULL",
        (name,),
    )
    return done.rowcount == 1


def users(conn: psycopg.Connection) -> list[BusUser]:
    """The nats-server users of every credential not revoked."""
    conn.execute(DDL)
    rows = conn.execute(
        "SELECT name, role, workspaces, password_hash FROM bus_credentials "
        "WHERE revoked_at IS NULL ORDER BY name"
    ).fetchall()
    make = {"producer": producer_user, "reader": reader_user}
    return [make[role](name, hashed, workspaces) for name, role, workspaces, hashed in rows]
