"""The contacts report over HTTP, fed through the bus: presets and custom ranges in the
workspace's time zone (DST days included), every filter, and the chart statuses."""

import pytest

from tests.support.bus import publish_all
from tests.support.readmodels import assert_live_equals_rebuilt
from tests.support.report_scenario import report_scenario
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
REPORTS = ["workspace", "contacts_report", "communication"]
AROUND_DST_END = {"from": "2026-10-31", "to": "2026-11-03"}


def series(chart, key):
    return [p["count"] for s in chart["series"] if s["key"] == key for p in s["points"]]


def totals(report):
    return {name: chart["total"] for name, chart in report["charts"].items()}


def statuses(report):
    return {name: chart["status"] for name, chart in report["charts"].items()}


@pytest.fixture
async def stack(settings):
    async with Stack(settings) as running:
        await publish_all(settings.nats_url, report_scenario())
        await until(running.settled, what="pipeline to settle")
        yield running


async def test_days_are_cut_in_the_workspace_zone_across_dst(stack):
    async with stack.client(stack.token("ws_rep")) as api:

        async def report(**params):
            response = await api.get("/v1/reports/contacts", params=params)
            assert response.status_code == 200, response.text
            return response.json()

        around = await report(**AROUND_DST_END)
        in_utc = await report(**AROUND_DST_END, time_zone="UTC")
        spring = await report(**{"from": "2026-03-07", "to": "2026-03-08"})
        as_of = "2026-11-02T12:00:00-05:00"
        yesterday = await report(preset="yesterday", as_of=as_of)
        today = await report(preset="today", as_of=as_of)
        last_7 = await report(preset="last_7_days", as_of=as_of)
        this_month = await report(preset="this_month", as_of=as_of)
        last_month = await report(preset="last_month", as_of=as_of)
        last_30 = await report(preset="last_30_days", as_of=as_of)
        last_14 = await report(preset="last_14_days", as_of=as_of)
        settings = (await api.get("/v1/workspace")).json()
    assert settings["time_zone"] == "America/New_York"
    added = around["charts"]["added_deleted_merged"]
    assert around["range"]["start"] == "2026-10-31T04:00:00Z"  # EDT midnight
    assert around["range"]["end"] == "2026-11-04T05:00:00Z"  # EST midnight
    # 23:30 on 31 October (EDT) stays on the 31st; 23:30 on the 25-hour 1 November (EST)
    # stays on the 1st, although both are the next day in UTC.
    assert series(added, "added") == [1, 2, 2, 0]
    assert series(in_utc["charts"]["added_deleted_merged"], "added") == [0, 2, 3, 0]
    assert series(spring["charts"]["added_deleted_merged"], "added") == [1, 1]
    assert yesterday["range"]["first_day"] == "2026-11-01"
    assert totals(yesterday)["contacts_added"] == 2
    assert yesterday["range"]["end"] == "2026-11-02T05:00:00Z"  # 25 hours after its start
    assert totals(today)["contacts_added"] == 2  # c_4 at 00:10, c_red at 08:00
    assert last_7["range"]["first_day"] == "2026-10-27" and totals(last_7)["contacts_added"] == 5
    assert this_month["range"]["first_day"] == "2026-11-01"
    assert totals(this_month)["contacts_added"] == 4  # not 31 October's
    assert (last_month["range"]["first_day"], last_month["range"]["last_day"]) == (
        "2026-10-01",
        "2026-10-31",
    )
    assert totals(last_month)["contacts_added"] == 1
    assert last_30["range"]["first_day"] == "2026-10-04"
    assert last_14["range"]["first_day"] == "2026-10-20"
    assert totals(around) == {
        "contacts_added": 5,
        "contacts_deleted": 1,
        "contacts_merged": 1,
        "added_deleted_merged": 7,
        "added_by_source": 5,
        "connected_by_channel": 2,
    }


async def test_charts_bars_shares_and_deleted_channels(stack):
    async with stack.client(stack.token("ws_rep")) as api:
        report = (await api.get("/v1/reports/contacts", params=AROUND_DST_END)).json()
        options = (await api.get("/v1/reports/contacts/filters")).json()
    charts = report["charts"]
    by_source = {b["key"]: (b["label"], b["count"]) for b in charts["added_by_source"]["bars"]}
    assert by_source == {
        "user": ("User", 2),
        "import": ("Contact Import", 1),
        "api": ("Developer API", 1),
        "incoming_message": ("Incoming Message", 1),
    }
    assert [(s["key"], s["count"], s["percent"]) for s in charts["added_by_source"]["shares"]] == [
        ("user", 2, 40.0),
        ("api", 1, 20.0),
        ("import", 1, 20.0),
        ("incoming_message", 1, 20.0),
    ]
    connected = {b["key"]: b for b in charts["connected_by_channel"]["shares"]}
    assert connected["whatsapp"]["deleted"] is True  # deleted since, still counted
    assert connected["whatsapp"]["label"] == "WhatsApp +1 555 0100"
    assert (connected["whatsapp"]["count"], connected["whatsapp"]["percent"]) == (1, 50.0)
    assert [b["count"] for b in charts["added_deleted_merged"]["bars"]] == [5, 1, 1]
    assert series(charts["added_deleted_merged"], "deleted") == [0, 0, 1, 0]
    channels = {o["key"]: o for o in options["channels"]}
    assert channels["whatsapp"]["selectable"] is False and channels["whatsapp"]["deleted"]
    assert channels["email"]["selectable"] is True
    users = {o["key"]: o for o in options["users"]}
    assert users["u_21"]["label"] == "u_21" and not users["u_21"]["selectable"]  # deleted
    assert users["u_17"]["label"] == "Dana"


async def test_every_filter_and_when_it_does_not_apply(stack):
    async with stack.client(stack.token("ws_rep")) as api:

        async def report(**params):
            response = await api.get("/v1/reports/contacts", params={**AROUND_DST_END, **params})
            assert response.status_code == 200, response.text
            return response.json()

        by_channel = await report(channel="whatsapp")
        by_user = await report(user="u_17")
        deleted_user = await report(user="u_21")
        by_source = await report(source="import")
        by_contact = await report(contact="c_1")
        by_name = await report(contact="ANN LEE-SMITH")
        merged_away = await report(contact="c_4")
        nobody = await report(contact="c_nobody")
        empty = await report(**{"from": "2026-06-01", "to": "2026-06-07"})
        bad = await api.get(
            "/v1/reports/contacts", params={"preset": "yesterday", "from": "2026-01-01"}
        )
    assert statuses(by_channel) == {
        "contacts_added": "filter_not_applicable",
        "contacts_deleted": "filter_not_applicable",
        "contacts_merged": "filter_not_applicable",
        "added_deleted_merged": "filter_not_applicable",
        "added_by_source": "filter_not_applicable",
        "connected_by_channel": "ok",
    }
    assert by_channel["charts"]["added_by_source"]["not_applicable"] == ["channel"]
    assert by_channel["charts"]["added_by_source"]["total"] is None  # never a zero
    assert totals(by_channel)["connected_by_channel"] == 1  # a deleted channel still counts
    assert totals(by_user) == {
        "contacts_added": 1,  # c_1, added by Dana as a user
        "contacts_deleted": None,
        "contacts_merged": 1,
        "added_deleted_merged": 2,
        "added_by_source": 1,
        "connected_by_channel": 1,
    }
    assert statuses(by_user)["contacts_deleted"] == "no_data"
    assert totals(deleted_user)["contacts_deleted"] == 1  # by Sam, deleted since
    assert totals(deleted_user)["contacts_added"] == 1  # c_red
    assert statuses(by_source)["contacts_deleted"] == "filter_not_applicable"
    assert statuses(by_source)["connected_by_channel"] == "no_data"  # no connection via import
    assert totals(by_source)["contacts_added"] == 1
    # c_4 was merged into c_1: its history follows the primary.
    for chosen in (by_contact, by_name):
        assert totals(chosen)["contacts_added"] == 2 and totals(chosen)["contacts_merged"] == 1
        assert totals(chosen)["connected_by_channel"] == 1
    assert totals(merged_away)["contacts_added"] == 1
    assert totals(merged_away)["contacts_merged"] == 1
    assert set(statuses(nobody).values()) == {"no_data"}
    assert set(statuses(empty).values()) == {"no_data"}
    assert all(chart.get("total") is None for chart in empty["charts"].values())
    assert bad.status_code == 422 and "preset" in bad.text


async def test_agents_count_only_their_teams_and_workspaces_never_mix(stack):
    blue = stack.token("ws_rep", role="agent", teams=("blue",))
    red = stack.token("ws_rep", role="agent", teams=("red",))
    async with stack.client(blue) as as_blue, stack.client(red) as as_red:
        for_blue = (await as_blue.get("/v1/reports/contacts", params=AROUND_DST_END)).json()
        for_red = (await as_red.get("/v1/reports/contacts", params=AROUND_DST_END)).json()
    async with stack.client(stack.token("ws_other")) as other:
        theirs = (await other.get("/v1/reports/contacts", params=AROUND_DST_END)).json()
    assert totals(for_blue)["contacts_added"] == 4  # c_red belongs to team red
    assert totals(for_red)["contacts_added"] == 5
    assert totals(theirs)["contacts_added"] == 3
    assert theirs["range"]["time_zone"] == "UTC"  # its own setting: the default


async def test_a_new_time_zone_recuts_the_same_buckets_and_rebuilds_agree(stack, settings):
    from datetime import UTC, datetime

    from chronicle_tools.workload import Producer

    change = Producer("ws_rep", "tz2").envelope(
        "workspace.settings_changed",
        {"time_zone": "Asia/Kolkata"},
        ("user", "u_1", "Ada Admin"),
        datetime(2026, 11, 10, tzinfo=UTC),
    )
    await publish_all(settings.nats_url, [change])
    await until(stack.settled, what="the new zone")
    async with stack.client(stack.token("ws_rep")) as api:
        report = (await api.get("/v1/reports/contacts", params=AROUND_DST_END)).json()
        history = (await api.get("/v1/workspace/history")).json()
    assert report["range"]["time_zone"] == "Asia/Kolkata"
    assert report["range"]["start"] == "2026-10-30T18:30:00Z"
    # c_1 (03:30Z) is 1 November 09:00 in India; c_3, c_4, c_red are on the 2nd there.
    assert series(report["charts"]["added_deleted_merged"], "added") == [0, 2, 3, 0]
    assert [e["type"] for e in history["entries"]][-1] == "workspace.time_zone_changed"
    assert history["entries"][-1]["summary"].endswith("to Asia/Kolkata")
    await assert_live_equals_rebuilt(settings.database_url, REPORTS)
