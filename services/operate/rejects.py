"""Rejected ingest messages, for the people who must see why: `chronicle rejects` and the
auditors' `GET /v1/audit/rejects`. One query, built here, serves both.

A reject belongs to the workspace on the subject it was published on (its producer's),
never to a workspace its body names. After `chronicle erase`, the kept input of the
erased person is redacted (services/audit/erasure.py), and what is listed here is what is kept.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from adapters.bus import auth as bus_auth
from services.audit.erasure import REDACTED

COLUMNS = "id, rejected_at, workspace_id, envelope_id, type, subject, reason AS reasons, stream_seq"


@dataclass(frozen=True)
class RejectFilter:
    """Which rejects: all of these that are set must hold."""

    workspace_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    reason: str | None = None  # a field path or a problem's text contains this (any case)
    field: str | None = None  # one reason names exactly this field (`data.name`)
    type: str | None = None
    envelope_id: str | None = None
    before_id: int | None = None  # keyset paging: newest first, ids below this


def select(f: RejectFilter, limit: int) -> tuple[str, list[Any]]:
    """SQL (newest first) and its parameters for one page of rejects."""
    where, params = ["true"], []
    equal = {"workspace_id": f.workspace_id, "type": f.type, "envelope_id": f.envelope_id}
    for column, value in equal.items():
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if f.since is not None:
        where.append("rejected_at >= %s")
        params.append(f.since)
    if f.until is not None:
        where.append("rejected_at <= %s")
        params.append(f.until)
    if f.field is not None:
        where.append("reason @> %s::jsonb")
        params.append(psycopg.types.json.Jsonb([{"field": f.field}]))
    if f.reason is not None:
        where.append(
            "EXISTS (SELECT 1 FROM jsonb_array_elements(reason) AS r(x) "
            "WHERE strpos(lower(x->>'field' || ' ' || (x->>'problem')), lower(%s)) > 0)"
        )
        params.append(f.reason)
    if f.before_id is not None:
        where.append("id < %s")
        params.append(f.before_id)
    sql = f"SELECT {COLUMNS} FROM ingest_rejects WHERE {' AND '.join(where)} ORDER BY id DESC"
    return f"{sql} LIMIT %s", [*params, limit]


def one(reject_id: int, workspace_id: str | None) -> tuple[str, list[Any]]:
    """SQL for one reject with its kept input (in that workspace, when given)."""
    sql = f"SELECT {COLUMNS}, payload, headers FROM ingest_rejects WHERE id = %s"
    params: list[Any] = [reject_id]
    if workspace_id is not None:
        sql += " AND workspace_id = %s"
        params.append(workspace_id)
    return sql, params


def with_input(row: dict[str, Any]) -> dict[str, Any]:
    """The kept bytes as text when they are UTF-8 (else base64), and whether an erasure
    redacted them."""
    payload = bytes(row.pop("payload"))
    try:
        row["payload"], row["payload_encoding"] = payload.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        row["payload"] = base64.b64encode(payload).decode()
        row["payload_encoding"] = "base64"
    row["redacted"] = payload == REDACTED
    if row.get("headers"):  # the gateway's seal on the reply inbox is Chronicle's own
        shown = {k: v for k, v in row["headers"].items() if k != bus_auth.REPLY_HEADER}
        row["headers"] = shown or None
    return row


def list_rejects(database_url: str, f: RejectFilter, limit: int = 50) -> list[dict[str, Any]]:
    sql, params = select(f, limit)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def show_reject(database_url: str, reject_id: int) -> dict[str, Any] | None:
    sql, params = one(reject_id, None)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        row = conn.execute(sql, params).fetchone()
    return with_input(row) if row else None
