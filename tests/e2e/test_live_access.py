"""Live feeds apply the read endpoints' access rules: teams, email permission, visibility;
and a client that goes away is forgotten."""

from __future__ import annotations

import psycopg
import pytest

from services.api.tokens import revoke_token
from tests.e2e.test_live import Workspace
from tests.support.bus import publish_all
from tests.support.sse import LiveStream
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
CUSTOMER = ("customer", "c_ann", "Ann Lee")


def email(ws: Workspace, activity_id: str, summary: str, team: str | None = None):
    data = {
        "activity_id": activity_id,
        "type": "email",
        "direction": "outbound",
        "source": "manual",
        "summary": summary,
        "contact_id": "c_ann",
    }
    return ws("activity.logged", data, team)


async def test_an_agent_gets_only_its_teams_entries_and_no_email_content(settings):
    ws = Workspace("ws_live")
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, [ws.contact("c_ann")])
        await until(stack.settled, what="the contact")
        agent = stack.token("ws_live", role="agent", teams=("support",))
        async with (
            stack.client(agent) as api,
            LiveStream(api, "/v1/contacts/c_ann/timeline/live") as timeline,
            LiveStream(api, "/v1/activities/live") as grid,
        ):
            await publish_all(
                settings.nats_url,
                [
                    ws.note("a_billing", "c_ann", "Billing secret", team="billing"),
                    email(ws, "a_mail", "Contract draft for Ann", team="support"),
                    ws.note("a_support", "c_ann", "Support note", team="support"),
                ],
            )
            entries = await timeline.wait_for(2)
            rows = await grid.wait_for(2, "activity")
    assert [e.json["details"].get("activity_id") for e in entries] == [None, "a_support"]
    mail = entries[0].json
    assert mail["summary"] == "Email (content hidden: needs email permission)"
    assert mail["details"] == {"direction": "outbound"}
    assert [r.json["activity_id"] for r in rows] == ["a_mail", "a_support"]
    assert rows[0].json["summary"] == "Email (content hidden: needs email permission)"
    assert all("Billing" not in e.data and "Contract" not in e.data for e in entries + rows)


async def test_an_audit_trail_is_404_outside_the_team_and_ends_when_reassigned_away(settings):
    ws = Workspace("ws_live")
    conv = {"conversation_id": "conv_1"}
    opened = {**conv, "channel": "whatsapp", "contact_id": "c_ann"}
    async with Stack(settings) as stack:
        await publish_all(
            settings.nats_url,
            [
                ws.contact("c_ann"),
                ws("conversation.opened", opened, "support", CUSTOMER),
                ws("conversation.opened", {**opened, "conversation_id": "conv_2"}, "billing"),
            ],
        )
        await until(stack.settled, what="the conversations")
        agent = stack.token("ws_live", role="agent", teams=("support",))
        async with stack.client(agent) as api:
            billing = await api.get("/v1/conversations/conv_2/audit-trail/live")
            async with LiveStream(api, "/v1/conversations/conv_1/audit-trail/live") as trail:
                received = {**conv, "message_id": "m1", "body": "Hello?"}
                moved = {**conv, "to_agent_id": "u_9", "to_team_id": "billing"}
                await publish_all(
                    settings.nats_url,
                    [
                        ws("conversation.message_received", received, "support", CUSTOMER),
                        ws("conversation.reassigned", moved, "billing"),
                        ws("conversation.message_sent", {**conv, "message_id": "m2", "body": "Hi"}),
                    ],
                )
                await until(lambda: _ended(trail), what="the stream to end")
    assert billing.status_code == 404
    # up to the reassignment away from the agent's team, then the stream ends; if the
    # conversations read model moved first, the read endpoint already says 404 and the
    # stream ends at once
    sent = [e.json["type"] for e in trail.of("entry")]
    assert sent in (["conversation.message_received"], [])
    assert [e.event for e in trail.events] == ["ready", *(["entry"] * len(sent)), "gone"]


async def _ended(stream: LiveStream) -> bool:
    return stream.ended


async def test_a_vanished_client_is_forgotten(settings):
    async with Stack(settings) as stack:
        ws = Workspace("ws_live")
        await publish_all(settings.nats_url, [ws.contact("c_ann")])
        await until(stack.settled, what="the contact")
        async with stack.client(stack.token("ws_live")) as api:

            async def subscribers() -> int:
                return (await stack.health())["live"]["subscribers"]

            streams = [LiveStream(api, "/v1/contacts/c_ann/timeline/live") for _ in range(3)]
            for stream in streams:
                await stream.__aenter__()
            assert await subscribers() == 3
            await streams[0].close()
            await until(lambda: _count_is(subscribers, 2), what="one subscriber fewer")
            for stream in streams[1:]:
                await stream.close()
            await until(lambda: _count_is(subscribers, 0), what="no subscribers")


async def _count_is(count, expected: int) -> bool:
    return await count() == expected


async def test_a_revoked_tokens_streams_end(settings):
    ws = Workspace("ws_live")
    async with Stack(settings.model_copy(update={"live_poll_interval": 0.2})) as stack:
        await publish_all(settings.nats_url, [ws.contact("c_ann")])
        await until(stack.settled, what="the contact")
        token = stack.token("ws_live")
        async with (
            stack.client(token) as api,
            LiveStream(api, "/v1/contacts/c_ann/timeline/live") as live,
        ):
            with psycopg.connect(settings.database_url, autocommit=True) as db:
                assert revoke_token(db, token)
            await until(lambda: _ended(live), what="the stream to end")
    assert [(e.event, e.json["detail"]) for e in live.events[1:]] == [
        ("gone", "the token was revoked")
    ]
