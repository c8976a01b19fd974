"""Erasure through the whole pipeline: producers publish, `chronicle erase` runs while the
services do, every read model and endpoint then shows the contact erased with the same
counts, `chronicle check` finds the live read models equal to a rebuild, and a rebuild
stays erased."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import psycopg
import pytest

from domain.personal import ERASED
from services.operate.checks import compare_with_rebuild
from tests.support.bus import publish_all
from tests.support.erasure_scenario import (
    OTHERS_KEPT,
    START,
    WS,
    ZED_SECRETS,
    erasure_scenario,
    rejected_about_zed,
)
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
DAYS = {
    "from": str((START - timedelta(days=10)).date()),
    "to": str((START + timedelta(days=4)).date()),
}
READS = [  # every endpoint that shows Zed's data, with its parameters
    ("/v1/contacts/c_zed/timeline", {"limit": 100}),
    ("/v1/contacts/c_zq_visitor/timeline", {"limit": 100}),
    ("/v1/leads/l_zq/timeline", {"limit": 100}),
    ("/v1/conversations/conv_zq/audit-trail", {"limit": 100}),
    ("/v1/conversations/conv_zq/messages", {"limit": 100}),
    ("/v1/conversations/conv_1010/messages", {"limit": 100}),
    ("/v1/conversations/conv_zq/views", {}),
    ("/v1/activities", {"limit": 500}),
    ("/v1/contacts/c_zed/emails", {"limit": 100}),
    ("/v1/emails/em_zq", {}),
    ("/v1/emails/em_zq2", {}),
    ("/v1/mailboxes/mb_dana/outgoing", {"limit": 100}),
    ("/v1/unknown-senders", {"limit": 100}),
    ("/v1/reports/contacts/logs/added", {**DAYS, "limit": 100}),
    ("/v1/reports/contacts/logs/merged", {**DAYS, "limit": 100}),
    ("/v1/reports/contacts/logs/connected", {**DAYS, "limit": 100}),
    ("/v1/reports/contacts", DAYS),
    ("/v1/analytics/contacts/c_zed", DAYS),
    ("/v1/audit/contact/c_zed/events", {"limit": 1000}),
    ("/v1/audit/conversation/conv_zq/events", {"limit": 1000}),
    ("/v1/audit/contact/c_zed/state", {}),
    ("/v1/audit/conversation/conv_zq/state", {}),
    ("/v1/audit/activity/a_zq_call/state", {}),
]


def chronicle(database_url: str, *args: str, nats_url: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "CHRONICLE_DATABASE_URL": database_url}
    if nats_url:
        env["CHRONICLE_NATS_URL"] = nats_url
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


async def read_everything(stack: Stack, api) -> dict[str, str]:
    found = {}
    for path, params in READS:
        response = await api.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        found[path] = response.text
    badges = await api.post(
        "/v1/timeline/badges", json={"contacts": ["c_zed", "c_zq_visitor"], "leads": ["l_zq"]}
    )
    assert badges.status_code == 200, badges.text
    found["badges"] = badges.text
    return found


async def ingest_stream(nats_url: str) -> list[bytes]:
    import nats
    from nats.js.errors import NotFoundError

    from adapters import bus

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(bus.INGEST_STREAM)
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                found.append((await js.get_msg(bus.INGEST_STREAM, seq)).data)
            except NotFoundError:
                continue
        return found
    finally:
        await nc.close()


def leaked(texts: dict[str, str]) -> dict[str, list[str]]:
    found = {}
    for where, text in texts.items():
        hits = [s for s in (*ZED_SECRETS, "quill") if s.lower() in text.lower()]
        if hits:
            found[where] = hits
    return found


async def kept_rejects(api) -> str:
    """What auditors read of the workspace's rejects: the list and each one's kept input."""
    listing = await api.get("/v1/audit/rejects")
    assert listing.status_code == 200, listing.text
    shown = [
        (await api.get(f"/v1/audit/rejects/{r['id']}")).text for r in listing.json()["rejects"]
    ]
    assert shown
    return listing.text + "\n".join(shown)


def timeline_counts(text: str) -> int:
    return len([e for e in json.loads(text)["entries"] if e["type"] != "contact.erased"])


async def test_erasing_a_contact_while_the_pipeline_runs(settings):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, erasure_scenario() + rejected_about_zed())
        await until(stack.settled, what="pipeline to settle")
        async with stack.client(stack.token(WS)) as api:
            before = await read_everything(stack, api)
            assert set().union(*leaked(before).values()) >= {"Zed Quill", "quill"}
            kept_before = await kept_rejects(api)
            assert "zed.quill@example.com" in kept_before
            erased = chronicle(
                settings.database_url,
                *("erase", "c_zed", "--workspace", WS, "--yes"),
                nats_url=settings.nats_url,
            )
            assert erased.returncode == 0, erased.stderr
            report = json.loads(erased.stdout)
            await until(stack.settled, what="projectors to apply the erasure")
            after = await read_everything(stack, api)
            kept_after = await kept_rejects(api)
        comparison = await compare_with_rebuild(settings.database_url)
        raw = await ingest_stream(settings.nats_url)
        check = chronicle(settings.database_url, "check")
    assert leaked(after) == {}
    assert "quill" not in kept_after.lower() and '"redacted":true' in kept_after
    kept = "\n".join(after.values())
    assert ERASED in kept and all(other in kept for other in OTHERS_KEPT[:2])
    # both rejects: the one of the workspace, and the one kept with no workspace at all
    assert report["keys_destroyed"] >= 5 and report["rejects_redacted"] == 2
    # Their raw envelopes are gone from the ingest stream too; everyone else's are there.
    assert report["ingest_stream_deleted"] >= 20
    assert raw and not [m for m in raw if b"quill" in m.lower()]
    assert any(b"Ann Lee" in m for m in raw)
    for path in ("/v1/contacts/c_zed/timeline", "/v1/conversations/conv_zq/audit-trail"):
        assert timeline_counts(after[path]) == timeline_counts(before[path]), path
    for path in ("badges", "/v1/reports/contacts", "/v1/analytics/contacts/c_zed"):
        assert json.loads(after[path]) == json.loads(before[path]), path
    page = json.loads(after["/v1/conversations/conv_zq/messages"])
    messages, counted = page["messages"], page["message_count"]
    assert [m["body"] for m in messages] == [ERASED, ERASED] and counted == 2
    assert page["subject"] == ERASED
    assert all(r.equal for r in comparison), [(r.name, r.differences) for r in comparison]
    assert check.returncode == 0, check.stdout + check.stderr

    rebuilt = chronicle(settings.database_url, "rebuild", "--all")
    assert rebuilt.returncode == 0, rebuilt.stderr
    with psycopg.connect(settings.database_url) as conn:
        schemas = [
            r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rm_%'")
        ]
        dump = [
            row[0]
            for schema in schemas
            for (table,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
            ).fetchall()
            for row in conn.execute(f"SELECT t::text FROM {schema}.{table} t").fetchall()
        ]
    assert dump and not [row for row in dump if "quill" in row.lower()]
