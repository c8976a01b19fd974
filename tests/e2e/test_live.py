"""Live feeds over real HTTP: entries pushed as their read models commit them, in order,
resumable with Last-Event-ID, and scoped exactly like the read endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from chronicle_tools.workload import Producer
from tests.support.bus import publish_all
from tests.support.sse import LiveStream
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
DANA = ("user", "u_17", "Dana")
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


class Workspace:
    """A producer for one workspace: envelopes to publish, a minute apart."""

    def __init__(self, ws: str) -> None:
        self.producer = Producer(ws, f"live-{ws}")
        self.minute = 0

    def __call__(self, type_: str, data: dict, team: str | None = None, actor=DANA):
        self.minute += 1
        at = NOW + timedelta(minutes=self.minute)
        return self.producer.envelope(type_, data, actor, at, team)

    def contact(self, contact_id: str, name: str = "Ann Lee"):
        return self("contact.added", {"contact_id": contact_id, "name": name, "source": "user"})

    def note(self, activity_id: str, contact_id: str, summary: str, team: str | None = None):
        data = {
            "activity_id": activity_id,
            "type": "note",
            "source": "manual",
            "summary": summary,
            "contact_id": contact_id,
        }
        return self("activity.logged", data, team)


async def read_all(api: httpx.AsyncClient, path: str, **params) -> list[dict]:
    page = (await api.get(path, params={"limit": 100, **params})).json()
    return page["entries"]


async def test_entries_arrive_in_order_as_committed_and_match_the_read_endpoint(settings):
    ws = Workspace("ws_live")
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, [ws.contact("c_ann")])
        await until(stack.settled, what="the contact")
        async with (
            stack.client(stack.token("ws_live")) as api,
            LiveStream(api, "/v1/contacts/c_ann/timeline/live") as live,
        ):
            notes = [ws.note(f"a_{i}", "c_ann", f"Note {i}") for i in range(12)]
            await publish_all(settings.nats_url, notes)
            pushed = await live.wait_for(12)
            read = await read_all(api, "/v1/contacts/c_ann/timeline")
    positions = [e.json["position"] for e in pushed]
    assert positions == sorted(positions) and len(set(positions)) == 12
    assert [e.id for e in pushed] == [str(p) for p in positions]
    assert [e.json["details"]["details"]["summary"] for e in pushed] == [
        f"Note {i}" for i in range(12)
    ]
    # what was pushed is what the read endpoint returns (it pages newest first)
    newer = [e for e in read if e["position"] > int(live.of("ready")[0].id)]
    assert [e.json for e in pushed] == sorted(newer, key=lambda e: e["position"])


async def test_a_reconnect_with_last_event_id_misses_nothing_and_repeats_nothing(settings):
    ws = Workspace("ws_live")
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, [ws.contact("c_ann")])
        await until(stack.settled, what="the contact")
        path = "/v1/contacts/c_ann/timeline/live"
        async with stack.client(stack.token("ws_live")) as api:
            async with LiveStream(api, path) as first:
                await publish_all(
                    settings.nats_url, [ws.note(f"a_{i}", "c_ann", "x") for i in range(5)]
                )
                before = await first.wait_for(5)
            # while nobody listens
            await publish_all(
                settings.nats_url, [ws.note(f"b_{i}", "c_ann", "y") for i in range(5)]
            )
            await until(stack.settled, what="the missed notes")
            async with LiveStream(api, path, last_event_id=before[-1].id) as second:
                await publish_all(
                    settings.nats_url, [ws.note(f"c_{i}", "c_ann", "z") for i in range(5)]
                )
                after = await second.wait_for(10)
            read = await read_all(api, "/v1/contacts/c_ann/timeline")
    ids = [e.json["details"]["activity_id"] for e in before + after]
    assert ids == [f"{p}_{i}" for p in "abc" for i in range(5)]  # all, once, in order
    assert second.of("ready")[0].id == before[-1].id
    assert sorted(e.json["position"] for e in before + after) == sorted(
        e["position"] for e in read if e["type"] == "activity.logged"
    )


async def test_another_workspaces_events_never_arrive(settings):
    ours, theirs = Workspace("ws_ours"), Workspace("ws_theirs")
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, [ours.contact("c_same"), theirs.contact("c_same")])
        await until(stack.settled, what="both contacts")
        token = stack.token("ws_ours")
        async with (
            stack.client(token) as api,
            LiveStream(api, "/v1/contacts/c_same/timeline/live") as timeline,
            LiveStream(api, "/v1/activities/live") as grid,
            LiveStream(api, "/v1/contacts/c_same/timeline/live", {"after": "0"}) as replay,
        ):
            # the same ids in the other workspace first, then ours: theirs would come first
            await publish_all(
                settings.nats_url,
                [theirs.note("a_1", "c_same", "theirs"), ours.note("a_1", "c_same", "ours")],
            )
            pushed = await timeline.wait_for(1)
            rows = await grid.wait_for(1, "activity")
            replayed = await replay.wait_for(2)
            health = await stack.health()
    assert [e.json["summary"] for e in pushed] == ["Activity logged: note with c_same: ours"]
    assert [r.json["summary"] for r in rows] == ["ours"]
    assert [e.json["type"] for e in replayed] == ["contact.added", "activity.logged"]
    assert all("theirs" not in e.data for e in pushed + rows + replayed)
    assert (health["live"]["subscribers"], health["live"]["listening"]) == (3, True)
