"""Consents under way through the HTTP API (the web flow): between the consent address
Chronicle hands out and Google sending the person back, what to connect is kept under the
consent's `state` (random, single use, one hour at most), with the PKCE verifier the code
exchange needs. Nothing here is a token: the grant itself is only stored once connected.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

LIFETIME = "1 hour"
DDL = """
    CREATE TABLE IF NOT EXISTS email_gmail_consents (
        state text PRIMARY KEY,
        workspace_id text NOT NULL,
        mailbox_id text NOT NULL,
        requested_by text NOT NULL,
        mailbox jsonb NOT NULL,
        code_verifier text NOT NULL,
        redirect_uri text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )
"""


def remember(
    conn: Any,
    state: str,
    workspace_id: str,
    mailbox_id: str,
    requested_by: str,
    mailbox: dict,
    code_verifier: str,
    redirect_uri: str,
) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(7117)")  # concurrent CREATE IF NOT EXISTS
        conn.execute(DDL)
        conn.execute(
            f"DELETE FROM email_gmail_consents WHERE created_at < now() - interval '{LIFETIME}'"
        )
        conn.execute(
            "INSERT INTO email_gmail_consents (state, workspace_id, mailbox_id, requested_by, "
            "mailbox, code_verifier, redirect_uri) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                state,
                workspace_id,
                mailbox_id,
                requested_by,
                Jsonb(mailbox),
                code_verifier,
                redirect_uri,
            ),
        )


def take(conn: Any, state: str) -> dict | None:
    """The consent `state` began, once; None when unknown, used or expired."""
    try:
        row = conn.execute(
            "DELETE FROM email_gmail_consents WHERE state = %s RETURNING workspace_id, "
            "mailbox_id, requested_by, mailbox, code_verifier, redirect_uri, "
            f"created_at > now() - interval '{LIFETIME}'",
            (state,),
        ).fetchone()
    except psycopg.errors.UndefinedTable:
        return None  # no consent was ever begun
    if row is None or not row[6]:
        return None
    keys = ("workspace_id", "mailbox_id", "requested_by", "mailbox", "code_verifier")
    return {**dict(zip(keys, row[:5], strict=True)), "redirect_uri": row[5]}
