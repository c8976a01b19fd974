"""Auditors without database access read the workspace's log over HTTP: every event,
filtered by actor, type, record and time, page by page; and the whole log streamed as
JSON Lines, byte for byte what `chronicle export` writes, which `chronicle import` takes
into an empty store that then verifies. Two workspaces with colliding ids stay apart."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest

from domain.conversation import Conversation
from services.audit.export import export, import_
from services.audit.verify import verify
from tests.support.bus import publish_all
from tests.support.scenario import read_side_scenario
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


async def every_page(api, **params) -> list[dict]:
    """Follow `links.next` from the first page to the last."""
    events, url = [], "/v1/audit/events"
    while url:
        page = (await api.get(url, params=params)).raise_for_status().json()
        assert page["has_more"] == (page["links"]["next"] is not None)
        events += page["events"]
        url, params = page["links"]["next"], None
    return events


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def other(postgres):
    url = postgres.create_database()
    yield url
    postgres.drop_database(url)


async def test_an_auditor_filters_the_log_and_exports_what_import_takes(settings, other):
    async with Stack(settings) as stack:
        await publish_all(
            settings.nats_url, read_side_scenario("ws_aud") + read_side_scenario("ws_twin")
        )
        await until(stack.settled, what="both workspaces")
        auditor = stack.token("ws_aud", role="auditor")
        agent = stack.token("ws_aud", role="agent", teams=("support",))
        async with stack.client(auditor) as api, stack.client(agent) as not_auditor:
            oldest = await every_page(api, order="oldest", limit=4)
            newest = await every_page(api, limit=5)
            by_ann = await every_page(api, actor="c_ann", actor_type="customer")
            opened = await every_page(api, type="conversation.opened")
            conversations = await every_page(api, type="conversation")
            one_record = await every_page(api, record="conversation:conv_s")
            since, until_ = oldest[3]["recorded_at"], oldest[-3]["recorded_at"]
            window = await every_page(api, since=since, until=until_, order="oldest")
            streamed = await api.get("/v1/audit/export")
            refused = [
                (await not_auditor.get("/v1/audit/events")).status_code,
                (await not_auditor.get("/v1/audit/export")).status_code,
                (await api.get("/v1/audit/events", params={"record": "ticket:1"})).status_code,
            ]
            first = (await api.get("/v1/audit/events", params={"limit": 1})).json()
            wrong_order = await api.get(
                "/v1/audit/events", params={"order": "oldest", "cursor": first["next_cursor"]}
            )
    log = io.BytesIO()
    export(settings.database_url, log, progress=False, workspace="ws_aud")
    expected = [json.loads(line) for line in log.getvalue().splitlines()]

    assert streamed.status_code == 200 and streamed.content == log.getvalue()
    assert streamed.headers["content-type"] == "application/x-ndjson"
    assert oldest == expected and len(expected) > 10
    assert newest == expected[::-1]
    assert {e["workspace_id"] for e in oldest} == {"ws_aud"}
    assert by_ann == [e for e in newest if e["actor"]["id"] == "c_ann"] and by_ann
    assert opened == [e for e in newest if e["wire_name"].startswith("conversation.opened.")]
    assert conversations == [e for e in newest if e["wire_name"].startswith("conversation.")]
    conv_s = str(Conversation.id_for("ws_aud", "conv_s"))
    assert one_record == [e for e in newest if e["aggregate_id"] == conv_s] and one_record
    in_window = [e for e in expected if at(since) <= at(e["recorded_at"]) <= at(until_)]
    assert window == in_window and len(window) < len(expected)
    assert refused == [403, 403, 400] and wrong_order.status_code == 400

    assert import_(other, io.BytesIO(streamed.content), progress=False) == len(expected)
    report = verify(other)
    assert report.intact and report.workspaces == {"ws_aud"}
