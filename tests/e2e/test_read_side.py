"""The read side over HTTP, fed through the bus: timelines, badges, grid, conversations."""

from datetime import datetime, timedelta

import pytest

from tests.support.bus import publish_all
from tests.support.scenario import START, read_side_scenario
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


async def scenario_stack(settings) -> Stack:
    stack = Stack(settings)
    await stack.__aenter__()
    await publish_all(settings.nats_url, read_side_scenario())
    await until(stack.settled, what="pipeline to settle")
    return stack


def types(page):
    return [e["type"] for e in page["entries"]]


async def test_timelines_filter_search_merge_and_hide_deleted_activities(settings):
    stack = await scenario_stack(settings)
    try:
        async with stack.client(stack.token("ws_read")) as api:
            everything = (await api.get("/v1/contacts/c_ann/timeline?limit=100")).json()
            calls = (
                await api.get(
                    "/v1/contacts/c_ann/timeline", params={"category": ["call", "interaction"]}
                )
            ).json()
            received = (
                await api.get(
                    "/v1/contacts/c_ann/timeline", params={"type": "conversation.message_received"}
                )
            ).json()
            found = (await api.get("/v1/contacts/c_ann/timeline", params={"q": "INVOICE"})).json()
            with_deleted = (
                await api.get(
                    "/v1/contacts/c_ann/timeline", params={"include_deleted": True, "limit": 100}
                )
            ).json()
            lead = (await api.get("/v1/leads/l_1/timeline")).json()
            account = (await api.get("/v1/accounts/acc_1/timeline")).json()
            missing = await api.get("/v1/contacts/c_nobody/timeline")
    finally:
        await stack.__aexit__(None, None, None)
    all_types = types(everything)
    assert "activity.deleted" in all_types and "contact.merged_from" in all_types
    assert ("activity.logged", "Met Cy") in {
        (e["type"], e["details"]["details"]["summary"])
        for e in everything["entries"]
        if e["type"] == "activity.logged"
    }  # merged in
    assert all(
        e["summary"] != "Activity logged: note with c_ann: Prefers phone"
        for e in everything["entries"]
    )  # the deleted note is hidden...
    assert len(with_deleted["entries"]) == len(everything["entries"]) + 1  # ...unless asked
    assert {e["category"] for e in calls["entries"]} == {"call", "interaction"}
    assert types(received) == ["conversation.message_received"] * 2
    assert {e["source"]["id"] for e in found["entries"]} >= {"conv_s"}
    assert all("invoice" in (e["summary"] + str(e["details"])).lower() for e in found["entries"])
    assert [e["category"] for e in lead["entries"]] == ["email"]
    assert [e["details"]["activity_id"] for e in account["entries"]] == ["a_call"]
    assert missing.status_code == 404


async def test_badges_count_activities_and_interactions_for_many_records(settings):
    stack = await scenario_stack(settings)
    try:
        async with stack.client(stack.token("ws_read")) as api:
            badges = (
                await api.post(
                    "/v1/timeline/badges",
                    json={
                        "contacts": ["c_ann", "c_bo", "c_cy", "c_nobody"],
                        "leads": ["l_1", "l_9"],
                        "accounts": ["acc_1"],
                    },
                )
            ).json()
        support = stack.token("ws_read", role="agent", user="u_17", teams=("support",))
        async with stack.client(support) as agent:
            seen = (await agent.post("/v1/timeline/badges", json={"contacts": ["c_ann"]})).json()
            shown = (await agent.get("/v1/contacts/c_ann/timeline?limit=100")).json()
    finally:
        await stack.__aexit__(None, None, None)
    # An agent's badge counts what the agent's timeline shows of those entries.
    counted = [
        e
        for e in shown["entries"]
        if e["category"] not in ("contact", "conversation") and e["type"] != "activity.deleted"
    ]
    assert seen["contacts"] == {"c_ann": len(counted)}
    # c_ann: call, closed interaction, lead conversion, + Cy's meeting (merged); note deleted.
    assert badges["contacts"] == {"c_ann": 4, "c_bo": 1, "c_cy": 1, "c_nobody": 0}
    assert badges["leads"] == {"l_1": 1, "l_9": 1}
    assert badges["accounts"] == {"acc_1": 1}


async def test_agents_see_their_teams_and_email_content_needs_permission(settings):
    stack = await scenario_stack(settings)
    try:
        support = stack.token("ws_read", role="agent", user="u_17", teams=("support",))
        admin = stack.token("ws_read")
        async with stack.client(support) as agent, stack.client(admin) as boss:
            mine = (await agent.get("/v1/contacts/c_ann/timeline?limit=100")).json()
            billing_trail = await agent.get("/v1/conversations/conv_b/audit-trail")
            support_trail = await agent.get("/v1/conversations/conv_s/audit-trail")
            bo_for_agent = (await agent.get("/v1/contacts/c_bo/timeline")).json()
            bo_for_admin = (await boss.get("/v1/contacts/c_bo/timeline")).json()
            grid_for_agent = (await agent.get("/v1/activities", params={"type": "email"})).json()
    finally:
        await stack.__aexit__(None, None, None)
    assert {e["team_id"] for e in mine["entries"]} <= {"support", None}
    assert "conv_b" not in {e["source"]["id"] for e in mine["entries"]}
    assert billing_trail.status_code == 404 and support_trail.status_code == 200
    # billing's email activity is not shown; the support conversation's closed email
    # interaction (an email-type grid row of team support) is
    assert [a["activity_id"] for a in grid_for_agent["activities"]] == ["interaction-conv_s-12"]
    admin_email = next(e for e in bo_for_admin["entries"] if e["category"] == "email")
    assert "Contract draft" in admin_email["summary"]
    assert all(e["category"] != "email" for e in bo_for_agent["entries"])  # billing's, hidden


async def test_email_content_is_hidden_from_callers_without_email_permission(settings):
    stack = await scenario_stack(settings)
    try:
        no_email = stack.token("ws_read", role="manager", email_access=False)
        async with stack.client(no_email) as api:
            bo = (await api.get("/v1/contacts/c_bo/timeline")).json()
            grid = (await api.get("/v1/activities", params={"type": "email"})).json()
    finally:
        await stack.__aexit__(None, None, None)
    email = next(e for e in bo["entries"] if e["category"] == "email")
    assert "Contract" not in email["summary"] and "Contract" not in str(email["details"])
    assert email["details"] == {"direction": "outbound"}  # that it happened, and which way
    assert [a["summary"] for a in grid["activities"]] == [
        "Email (content hidden: needs email permission)"
    ] * 2  # the email activity, and the closed interaction on the email channel
    assert all(a["first_message"] is None for a in grid["activities"])


async def test_the_message_viewer_and_viewed_indicators(settings):
    stack = await scenario_stack(settings)
    try:
        async with stack.client(stack.token("ws_read")) as api:
            viewer = (
                await api.get("/v1/conversations/conv_s/messages", params={"q": "invoice"})
            ).json()
            views = (await api.get("/v1/conversations/conv_s/views")).json()
            trail = (await api.get("/v1/conversations/conv_s/audit-trail")).json()
    finally:
        await stack.__aexit__(None, None, None)
    assert (viewer["queue"], viewer["channel"], viewer["message_count"]) == ("support", "email", 3)
    messages = {m["message_id"]: m for m in viewer["messages"]}
    assert [m["message_id"] for m in viewer["messages"]] == ["m1", "m2", "m3"]
    assert [m["direction"] for m in viewer["messages"]] == ["inbound", "outbound", "outbound"]
    assert messages["m3"]["status"] == "failed"
    assert messages["m2"]["attachments"][0]["deleted"] is True
    assert [(m["message_id"], m["start"], m["end"]) for m in viewer["matches"]] == [
        ("m1", 7, 14),
        ("m1", 29, 36),
        ("m2", 19, 26),
    ]
    body = messages["m1"]["body"]
    assert all(
        body[s:e].lower() == "invoice"
        for _, s, e in [(m["message_id"], m["start"], m["end"]) for m in viewer["matches"][:2]]
    )
    assert views[0]["viewer_type"] == "customer"
    exact = START + timedelta(minutes=7, milliseconds=250)  # as the producer sent it
    assert datetime.fromisoformat(views[0]["viewed_at"]) == exact
    assert messages["m2"]["views"][0]["viewer_id"] == "c_ann"
    assert "conversation.message_viewed" in [e["type"] for e in trail["entries"]]


async def test_the_activity_grid_filters_sorts_and_pages(settings):
    stack = await scenario_stack(settings)
    try:
        async with stack.client(stack.token("ws_read")) as api:

            async def grid(**params):
                return (await api.get("/v1/activities", params=params)).json()["activities"]

            everything = await grid(limit=500)
            pages, cursor = [], None
            while True:
                body = (
                    await api.get(
                        "/v1/activities",
                        params={
                            "limit": 2,
                            "order": "oldest",
                            **({"cursor": cursor} if cursor else {}),
                        },
                    )
                ).json()
                pages.append(body["activities"])
                if not (cursor := body["next_cursor"]):
                    break
            checks = {
                "type": await grid(type="call"),
                "agent": await grid(agent="u_21"),
                "contact": await grid(contact="BO CH"),
                "source": await grid(source=["campaign", "external"]),
                "lead": await grid(lead="bo's"),
                "account": await grid(account="acme"),
                "direction": await grid(direction="inbound"),
                "summary": await grid(summary="draft"),
                "range": await grid(
                    **{"from": everything[-1]["created_at"], "to": everything[-1]["created_at"]}
                ),
            }
    finally:
        await stack.__aexit__(None, None, None)
    ids = [a["activity_id"] for a in everything]
    assert "a_note" not in ids  # deleted
    created = [a["created_at"] for a in everything]
    assert created == sorted(created, reverse=True)
    paged = [a["activity_id"] for page in pages for a in page]
    assert paged == list(reversed(ids))  # oldest first, every row once
    assert [a["activity_id"] for a in checks["type"]] == ["a_call"]
    assert [a["activity_id"] for a in checks["agent"]] == ["a_cy", "a_email"]
    assert [a["contact_name"] for a in checks["contact"]] == ["Bo Chen-Li"]  # renamed since
    assert {a["activity_id"] for a in checks["source"]} == {"a_email", "a_cy"}
    assert [a["activity_id"] for a in checks["lead"]] == ["a_email"]
    assert [a["activity_id"] for a in checks["account"]] == ["a_call"]
    assert [a["source"] for a in checks["direction"]] == ["interaction"]
    assert checks["direction"][0]["first_message"].startswith("Hi, my invoice")
    assert [a["activity_id"] for a in checks["summary"]] == ["a_email"]
    assert [a["activity_id"] for a in checks["range"]] == [ids[-1]]
