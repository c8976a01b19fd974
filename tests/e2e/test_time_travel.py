"""Time travel: given events at t1, t2 and t3, as of a moment between t2 and t3 an
aggregate's state and a contact's timeline are exactly what they were then."""

import sys
from asyncio.subprocess import PIPE
from datetime import UTC, datetime, timedelta

import pytest

from chronicle_tools.workload import Producer
from services.audit.export import lines
from tests.support.bus import publish_all
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
DANA = ("user", "u_17", "Dana")
ANN = ("customer", "c_ann", "Ann Lee")


def steps() -> list[list]:
    p = Producer("ws_tt", "tt")
    now = datetime.now(UTC)

    def tell(type_, data, actor=DANA, team=None):
        return p.envelope(type_, data, actor, now, team)

    conv = {"conversation_id": "conv_1"}
    first = [
        tell("contact.added", {"contact_id": "c_ann", "name": "Ann Lee", "source": "user"}),
        tell("contact.added", {"contact_id": "c_cy", "name": "Cy Young", "source": "api"}),
        tell(
            "conversation.opened",
            {**conv, "channel": "whatsapp", "contact_id": "c_ann"},
            ANN,
            "support",
        ),
        tell(
            "activity.logged",
            {
                "activity_id": "a_note",
                "type": "note",
                "source": "manual",
                "summary": "Prefers phone",
                "contact_id": "c_ann",
            },
        ),
        tell(
            "activity.logged",
            {
                "activity_id": "a_cy",
                "type": "meeting",
                "source": "external",
                "summary": "Met Cy",
                "contact_id": "c_cy",
            },
        ),
    ]
    second = [
        tell("conversation.reassigned", {**conv, "to_agent_id": "u_21", "to_team_id": "billing"}),
        tell("conversation.tag_added", {**conv, "tag": "refund"}),
        tell("contact.updated", {"contact_id": "c_ann", "field": "name", "new": "Ann Lee-Smith"}),
    ]
    third = [
        tell("activity.deleted", {"activity_id": "a_note"}),
        tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_cy"]}),
        tell("conversation.resolved", {**conv, "automatic": False}),
    ]
    return [first, second, third]


@pytest.fixture
async def travelled(settings):
    """The stack after three steps, and the recorded time of the last event of each."""
    stack = Stack(settings)
    await stack.__aenter__()
    ends = []
    try:
        for step in steps():
            await publish_all(settings.nats_url, step)
            await until(stack.settled, what="the step to be stored and projected")
            ends.append(max(line["recorded_at"] for line in lines(settings.database_url)))
        yield stack, ends
    finally:
        await stack.__aexit__(None, None, None)


async def test_state_as_of_a_time_or_a_version(travelled):
    stack, (t1, t2, _t3) = travelled
    async with stack.client(stack.token("ws_tt", role="auditor")) as api:

        async def state(kind, id_, **params):
            return await api.get(f"/v1/audit/{kind}/{id_}/state", params=params)

        then = (await state("conversation", "conv_1", as_of=t2.isoformat())).json()
        now = (await state("conversation", "conv_1")).json()
        ann_then = (await state("contact", "c_ann", as_of=t2.isoformat())).json()
        ann_now = (await state("contact", "c_ann")).json()
        ann_v1 = (await state("contact", "c_ann", version=1)).json()
        conv_t1 = (await state("conversation", "conv_1", as_of=t1.isoformat())).json()
        just_before = (t2 - timedelta(microseconds=1)).isoformat()  # t2: the rename's time
        ann_before = (await state("contact", "c_ann", as_of=just_before)).json()
        naive = (await state("contact", "c_ann", as_of=t2.replace(tzinfo=None).isoformat())).json()
        not_yet = await state("contact", "c_ann", as_of=(t1 - timedelta(days=1)).isoformat())
        note = (await state("activity", "a_note", as_of=t2.isoformat())).json()
        both = await state("contact", "c_ann", version=1, as_of=t2.isoformat())

    s = then["state"]
    assert (s["status"], s["tags"], s["assignee_id"], s["team_id"]) == (
        "open",
        ["refund"],
        "u_21",
        "billing",
    )
    assert then["version"] == 3 and then["latest_version"] == 4
    assert then["last_event"]["wire_name"] == "conversation.tag_added.v1"
    assert datetime.fromisoformat(then["last_event"]["recorded_at"]) <= t2
    assert now["state"]["status"] == "resolved" and now["version"] == 4
    assert (conv_t1["version"], conv_t1["state"]["assignee_id"], conv_t1["state"]["tags"]) == (
        1,
        None,
        [],
    )
    assert ann_then["state"]["fields"]["name"] == "Ann Lee-Smith"
    assert ann_before["state"]["fields"]["name"] == "Ann Lee" and ann_before["version"] == 1
    assert ann_then["state"]["merged_from"] == [] and ann_now["state"]["merged_from"] == ["c_cy"]
    assert ann_v1["state"]["fields"]["name"] == "Ann Lee" and ann_v1["version"] == 1
    assert naive == ann_then  # a time without a zone is UTC
    assert not_yet.status_code == 404 and "as of" in not_yet.json()["detail"]
    assert note["state"]["deleted"] is False
    assert both.status_code == 400


async def test_the_timeline_as_it_showed_at_a_time(travelled):
    stack, (_t1, t2, _t3) = travelled
    async with stack.client(stack.token("ws_tt")) as api:

        async def timeline(**params):
            page = await api.get("/v1/contacts/c_ann/timeline", params={"limit": 100, **params})
            return [(e["type"], e["summary"]) for e in page.json()["entries"]]

        then = await timeline(as_of=t2.isoformat())
        now = await timeline()
    then_types = [t for t, _ in then]
    assert any("Prefers phone" in summary for _, summary in then)  # deleted only later
    assert "activity.deleted" not in then_types
    assert not any("Met Cy" in summary for _, summary in then)  # merged in only later
    assert "contact.merged_from" not in then_types
    assert "conversation.resolved" not in then_types
    assert "contact.updated" in then_types  # the rename at t2 is included
    now_types = [t for t, _ in now]
    assert not any("Prefers phone" in summary for _, summary in now)
    assert any("Met Cy" in summary for _, summary in now)
    assert {"activity.deleted", "contact.merged_from"} <= set(now_types)


async def test_only_auditors_of_the_workspace_travel(travelled):
    stack, _ = travelled
    path = "/v1/audit/conversation/conv_1/state"
    results = {}
    for name, token in {
        "agent": stack.token("ws_tt", role="agent", teams=("support",)),
        "manager": stack.token("ws_tt", role="manager"),
        "auditor without email": stack.token("ws_tt", role="auditor", email_access=False),
        "other workspace": stack.token("ws_other", role="auditor"),
        "admin": stack.token("ws_tt", role="admin"),
    }.items():
        async with stack.client(token) as api:
            results[name] = (await api.get(path)).status_code
    assert results == {
        "agent": 403,
        "manager": 403,
        "auditor without email": 403,
        "other workspace": 404,
        "admin": 200,
    }


async def test_raw_events_and_the_tamper_check_over_http(travelled):
    stack, _ = travelled
    async with stack.client(stack.token("ws_tt", role="auditor")) as api:
        first = (await api.get("/v1/audit/conversation/conv_1/events", params={"limit": 3})).json()
        rest = (
            await api.get(
                "/v1/audit/conversation/conv_1/events", params={"after": first["next_after"]}
            )
        ).json()
        missing = await api.get("/v1/audit/conversation/conv_nobody/events")
        report = (await api.get("/v1/audit/verify")).json()
    versions = [e["version"] for e in first["events"] + rest["events"]]
    assert versions == [1, 2, 3, 4] and rest["next_after"] is None
    assert first["events"][0]["wire_name"] == "conversation.opened.v1"
    assert all(e["hash"] and e["stored"] for e in first["events"])
    assert missing.status_code == 404
    assert report["intact"] and report["workspace_id"] == "ws_tt"
    stored = list(lines(stack.settings.database_url, workspace="ws_tt"))
    assert report["events"] == len(stored) and report["problems"] == []


async def test_state_from_the_command_line(travelled):
    import asyncio
    import os

    stack, (_t1, t2, _t3) = travelled
    env = {**os.environ, "CHRONICLE_DATABASE_URL": stack.settings.database_url}
    command = [sys.executable, "-m", "services.cli", "state", "contact", "c_ann"]
    run = await asyncio.create_subprocess_exec(
        *command, "--workspace", "ws_tt", "--as-of", t2.isoformat(), env=env, stdout=PIPE
    )
    out = (await run.communicate())[0].decode()
    assert run.returncode == 0
    assert '"name": "Ann Lee-Smith"' in out and '"merged_from": []' in out
    gone = await asyncio.create_subprocess_exec(
        *command, "--workspace", "ws_other", env=env, stderr=PIPE
    )
    assert await gone.wait() == 1
