"""Page cursors are opaque and authenticated: they carry no value the caller may not see
(an agent without email permission pages unknown senders ordered by address), and a
forged or altered cursor, or one made for another caller or another query, is refused."""

from __future__ import annotations

import base64

import pytest

from chronicle_tools.workload import Producer
from tests.support.bus import publish_all
from tests.support.scenario import DANA, START, read_side_scenario
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
HIDDEN = "another.person@corp.example"


def scenario() -> list:
    steps = read_side_scenario("ws_read")
    p = Producer("ws_read", "cursors")
    received = {
        "mailbox_id": "mb_support",
        "message_id": "<c-2@corp.example>",
        "sender": {"address": HIDDEN, "name": "Another Person"},
    }
    steps.append(p.envelope("email.received", received, DANA, START))
    return steps


def unpadded_b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def test_cursors_show_nothing_and_only_work_for_their_caller_and_query(settings):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, scenario())
        await until(stack.settled, what="the scenario")
        agent = stack.token("ws_read", role="agent", teams=("support",), email_access=False)
        colleague = stack.token(
            "ws_read", role="agent", user="u_99", teams=("support",), email_access=False
        )
        async with (
            stack.client(agent) as api,
            stack.client(colleague) as other,
            stack.client(stack.token("ws_elsewhere")) as foreign,
        ):
            first = (await api.get("/v1/unknown-senders", params={"limit": 1})).json()
            cursor = first["next_cursor"]
            second = await api.get("/v1/unknown-senders", params={"limit": 1, "cursor": cursor})
            altered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
            answers = {
                "altered": await api.get("/v1/unknown-senders", params={"cursor": altered}),
                "forged": await api.get(
                    "/v1/unknown-senders",
                    params={"cursor": base64.urlsafe_b64encode(b'["x","a@b"]').decode()},
                ),
                "another user": await other.get("/v1/unknown-senders", params={"cursor": cursor}),
                "another workspace": await foreign.get(
                    "/v1/unknown-senders", params={"cursor": cursor}
                ),
                "another query": await api.get("/v1/activities", params={"cursor": cursor}),
            }
    assert second.status_code == 200 and second.json()["senders"]
    assert "@" not in str(first) and HIDDEN.encode() not in unpadded_b64(cursor)
    assert b"corp" not in unpadded_b64(cursor) and b"[" not in unpadded_b64(cursor)[:1]
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 400)


async def test_every_page_says_whether_more_follow_and_links_the_next(settings):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, scenario())
        await until(stack.settled, what="the scenario")
        async with stack.client(stack.token("ws_read")) as api:
            query = {"limit": 2, "category": "conversation"}
            pages = [(await api.get("/v1/contacts/c_ann/timeline", params=query)).json()]
            while pages[-1]["has_more"]:
                pages.append((await api.get(pages[-1]["links"]["next"])).json())
            by_cursor = await api.get(
                "/v1/contacts/c_ann/timeline",
                params={**query, "cursor": pages[0]["next_cursor"]},
            )
    # the same page either way (cursors are sealed afresh each time, so they differ)
    assert len(pages) >= 2 and by_cursor.json()["entries"] == pages[1]["entries"]
    first_next = pages[0]["links"]["next"]
    assert "limit=2" in first_next and "category=conversation" in first_next
    assert pages[-1]["links"]["next"] is None and pages[-1]["next_cursor"] is None
    assert all(len(p["entries"]) == 2 for p in pages[:-1])
