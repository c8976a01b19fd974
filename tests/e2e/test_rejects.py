"""Rejects are readable by the people who need them, without SQL: auditors over HTTP (their
own workspace's only) and operators with `chronicle rejects list|show`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from chronicle_tools.workload import Published
from tests.support.bus import publish_all
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


def envelope(ws: str, envelope_id: str, data: dict, body_ws: str | None = None) -> Published:
    body = {
        "id": envelope_id,
        "type": "contact.added",
        "workspace_id": body_ws or ws,
        "occurred_at": "2026-11-20T09:15:00Z",
        "actor": {"type": "user", "id": "u_17"},
        "data": data,
    }
    return Published(f"audit.ingest.{ws}.contact.added", msgspec.json.encode(body), envelope_id)


def bad_messages() -> list[Published]:
    """Rejects in two workspaces whose envelope ids collide."""
    nul = {"contact_id": "c_1", "name": "Ann\x00", "source": "api"}
    missing = {"contact_id": "c_2", "name": "Bo"}
    return [
        envelope("ws_x", "bad-1", nul),
        envelope("ws_x", "bad-2", missing),
        envelope("ws_y", "bad-1", missing),
        envelope("ws_x", "bad-3", {**missing, "source": "api"}, body_ws="ws_y"),
    ]


def chronicle(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CHRONICLE_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


async def test_auditors_list_filter_and_open_their_workspaces_rejects(settings):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, bad_messages())
        await until(stack.settled, what="ingest to settle")
        auditor = stack.token("ws_x", role="auditor")
        async with stack.client(auditor) as api, stack.client(stack.token("ws_x", "agent")) as ag:
            everything = (await api.get("/v1/audit/rejects")).json()
            by_field = (await api.get("/v1/audit/rejects", params={"field": "data.name"})).json()
            by_text = (await api.get("/v1/audit/rejects", params={"reason": "SUBJECT SAYS"})).json()
            later = (
                await api.get(
                    "/v1/audit/rejects",
                    params={"since": (datetime.now(UTC) + timedelta(hours=1)).isoformat()},
                )
            ).json()
            first_page = (await api.get("/v1/audit/rejects", params={"limit": 2})).json()
            second_page = (
                await api.get(
                    "/v1/audit/rejects", params={"limit": 2, "cursor": first_page["next_cursor"]}
                )
            ).json()
            nul_id = by_field["rejects"][0]["id"]
            detail = (await api.get(f"/v1/audit/rejects/{nul_id}")).json()
            forbidden = await ag.get("/v1/audit/rejects")
        async with stack.client(stack.token("ws_y", role="auditor")) as other:
            theirs = (await other.get("/v1/audit/rejects")).json()
            foreign = await other.get(f"/v1/audit/rejects/{nul_id}")
    ids = [r["envelope_id"] for r in everything["rejects"]]
    assert ids == ["bad-3", "bad-2", "bad-1"]  # newest first, ws_x's own, the mismatch too
    assert [r["envelope_id"] for r in by_field["rejects"]] == ["bad-1"]
    assert [r["envelope_id"] for r in by_text["rejects"]] == ["bad-3"]
    assert later["rejects"] == []
    paged = [r["envelope_id"] for r in first_page["rejects"] + second_page["rejects"]]
    assert paged == ids and second_page["next_cursor"] is None
    assert detail["reasons"] == [
        {"field": "data.name", "problem": "must not contain NUL characters", "rule": None}
    ]
    assert detail["subject"] == "audit.ingest.ws_x.contact.added"
    assert json.loads(detail["payload"])["data"]["name"] == "Ann\x00"
    assert (detail["payload_encoding"], detail["redacted"]) == ("utf-8", False)
    assert forbidden.status_code == 403
    assert [r["envelope_id"] for r in theirs["rejects"]] == ["bad-1"]  # ws_y's own only
    assert foreign.status_code == 404

    listed = chronicle(
        settings.database_url, "rejects", "list", "--workspace", "ws_x", "--reason", "field req"
    )
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 1 and "bad-2" in lines[0] and "data.source: Field required" in lines[0]
    as_json = chronicle(
        settings.database_url, "rejects", "list", "--field", "data.source", "--json"
    )
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert sorted((r["workspace_id"], r["envelope_id"]) for r in rows) == [
        ("ws_x", "bad-2"),
        ("ws_y", "bad-1"),
    ]
    shown = chronicle(settings.database_url, "rejects", "show", str(nul_id))
    assert shown.returncode == 0 and json.loads(shown.stdout)["reasons"][0]["field"] == "data.name"
    missing = chronicle(settings.database_url, "rejects", "show", "999999")
    assert missing.returncode == 1 and "no reject 999999" in missing.stderr
