"""Live feeds follow what changes a read model's answer: merged contacts' history, grid
rows renamed and removed, and announcements lost with the listening connection."""

from __future__ import annotations

import psycopg
import pytest

from tests.e2e.test_live import Workspace, read_all
from tests.support.bus import publish_all
from tests.support.sse import LiveStream
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


async def test_a_merge_brings_the_merged_contacts_history_into_the_stream(settings):
    ws = Workspace("ws_live")
    async with Stack(settings) as stack:
        await publish_all(
            settings.nats_url,
            [
                ws.contact("c_ann"),
                ws.contact("c_cy", "Cy Young"),
                ws.note("a_cy", "c_cy", "Met Cy"),
            ],
        )
        await until(stack.settled, what="two contacts")
        path = "/v1/contacts/c_ann/timeline/live"
        async with stack.client(stack.token("ws_live")) as api:
            async with LiveStream(api, path) as live:
                merge = {"contact_id": "c_ann", "merged_contact_ids": ["c_cy"]}
                await publish_all(
                    settings.nats_url,
                    [ws("contact.merged", merge), ws.note("a_late", "c_cy", "After the merge")],
                )
                pushed = await live.wait_for(5)
            history = next(i for i, e in enumerate(pushed) if ":" in e.id)
            # a reconnect from inside the merge's group resumes inside it
            async with LiveStream(api, path, last_event_id=pushed[history].id) as resumed:
                rest = await resumed.wait_for(len(pushed) - history - 1)
            read = await read_all(api, "/v1/contacts/c_ann/timeline")
    by_type = {e.json["type"]: e for e in pushed}
    merged_at = by_type["contact.merged_into"].json["position"]
    # Cy's earlier entries appear at the merge's position, in their own order, just
    # before the merge entry that ends the group; later ones at their own position
    cy_history = pushed[history : history + 2]
    assert [(e.json["type"], e.id) for e in cy_history] == [
        ("contact.added", f"{merged_at}:{cy_history[0].json['position']}:c_cy"),
        ("activity.logged", f"{merged_at}:{cy_history[1].json['position']}:c_cy"),
    ]
    assert (
        pushed[history + 2].id == str(merged_at)
        and pushed[history + 2] is by_type["contact.merged_into"]
    )
    assert pushed[-1].json["details"]["activity_id"] == "a_late"
    assert pushed[-1].id == str(pushed[-1].json["position"])
    assert len(pushed) == 5 and "contact.merged_from" in by_type
    assert [e.data for e in rest] == [e.data for e in pushed[history + 1 :]]
    # everything the read endpoint now shows, but what Ann's stream had before it began
    before = {(e["type"], e["details"].get("contact_id")) for e in read} - {
        (e.json["type"], e.json["details"].get("contact_id")) for e in pushed
    }
    assert before == {("contact.added", "c_ann")}
    assert len(read) == len(pushed) + 1


async def test_grid_rows_come_again_when_renamed_and_as_removed_when_deleted(settings):
    ws = Workspace("ws_live")
    async with Stack(settings) as stack:
        await publish_all(
            settings.nats_url,
            [
                ws.contact("c_ann"),
                ws.note("a_old", "c_ann", "Before"),
                ws.note("a_x", "c_ann", "X"),
            ],
        )
        await until(stack.settled, what="two activities")
        async with stack.client(stack.token("ws_live")) as api:
            async with LiveStream(api, "/v1/activities/live", {"type": "note"}) as grid:
                # one step at a time: a row changed again before it was read is sent once
                await publish_all(settings.nats_url, [ws.note("a_new", "c_ann", "Added")])
                await grid.wait_for(1, "activity")
                rename = {"contact_id": "c_ann", "field": "name", "new": "Ann Smith"}
                await publish_all(settings.nats_url, [ws("contact.updated", rename)])
                await grid.wait_for(4, "activity")
                await publish_all(
                    settings.nats_url,
                    [
                        ws("activity.deleted", {"activity_id": "a_x"}),
                        ws.note("a_gone", "c_ann", "Soon gone"),
                        ws("activity.deleted", {"activity_id": "a_gone"}),
                        ws.note("a_end", "c_ann", "The last one"),
                    ],
                )
                await until(lambda: _has(grid, "a_end"), what="the last note")
            renamed = grid.events[2:5]
            # a client that was away since the rename: a_gone came and went meanwhile
            async with LiveStream(
                api, "/v1/activities/live", {"type": "note"}, renamed[-1].id
            ) as back:
                await until(lambda: _has(back, "a_end"), what="the last note again")
            page = (await api.get("/v1/activities", params={"type": "note"})).json()
    events = [(e.event, e.json["activity_id"]) for e in grid.events[1:]]
    # added; then every row of the renamed contact, in position order; then the removal
    assert events[:5] == [
        ("activity", "a_new"),
        ("activity", "a_old"),
        ("activity", "a_x"),
        ("activity", "a_new"),
        ("removed", "a_x"),
    ]
    # a_gone is sent and removed only if the stream read it in between
    assert events[5:] in (
        [("activity", "a_end")],
        [("activity", "a_gone"), ("removed", "a_gone"), ("activity", "a_end")],
    )
    assert [(e.event, e.json["activity_id"]) for e in back.events[1:]] == [
        ("removed", "a_x"),
        ("activity", "a_end"),
    ]
    assert {r.json["contact_name"] for r in renamed} == {"Ann Smith"}
    assert [e.id.split(":")[0] for e in renamed] == [renamed[-1].id] * 3
    latest = {e.json["activity_id"]: e.json for e in grid.of("activity")}
    shown = {r["activity_id"]: r for r in page["activities"]}
    assert {k: latest[k] for k in shown} == shown and set(shown) == {"a_old", "a_new", "a_end"}


async def _has(stream: LiveStream, activity_id: str) -> bool:
    return any(e.json.get("activity_id") == activity_id for e in stream.events[1:])


async def test_entries_still_arrive_when_the_listening_connection_is_lost(settings):
    ws = Workspace("ws_live")
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, [ws.contact("c_ann")])
        await until(stack.settled, what="the contact")
        async with (
            stack.client(stack.token("ws_live")) as api,
            LiveStream(api, "/v1/contacts/c_ann/timeline/live") as live,
        ):
            with psycopg.connect(settings.database_url, autocommit=True) as db:
                killed = db.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query = %s",
                    ("LISTEN chronicle_projections",),
                ).fetchall()
            await publish_all(settings.nats_url, [ws.note("a_1", "c_ann", "During the outage")])
            pushed = await live.wait_for(1)
            await until(lambda: _listening(stack), what="the hub to listen again")
    assert killed == [(True,)]
    assert pushed[0].json["details"]["activity_id"] == "a_1"


async def _listening(stack) -> bool:
    return (await stack.health())["live"]["listening"]
