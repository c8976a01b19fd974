"""Communication analytics of a contact and a team over HTTP, fed through the bus:
interactions per period, volume, channels, first-response and reply times."""

from datetime import datetime, timedelta, timezone

import pytest

from chronicle_tools.workload import Producer
from tests.support.bus import publish_all
from tests.support.readmodels import assert_live_equals_rebuilt
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
CEST, CET = timezone(timedelta(hours=2)), timezone(timedelta(hours=1))
DANA, ANN = ("user", "u_17", "Dana"), ("customer", "c_ann", "Ann")
WEEK = {"from": "2026-11-02", "to": "2026-11-08"}


def scenario() -> list:
    p = Producer("ws_com", "com")
    out = []

    def tell(when, type_, data, actor=DANA, team=None):
        out.append(p.envelope(type_, data, actor, when, team))

    def nov(day, hour, minute, second=0):
        return datetime(2026, 11, day, hour, minute, second, tzinfo=CET)

    def message(when, conversation, type_, message_id, team, source=None):
        data = {"conversation_id": conversation, "message_id": message_id, "body": message_id}
        if source:
            data["source"] = source
        actor = ANN if type_ == "conversation.message_received" else DANA
        tell(when, type_, data, actor, team)

    received, sent = "conversation.message_received", "conversation.message_sent"
    tell(nov(1, 8, 0), "workspace.settings_changed", {"time_zone": "Europe/Paris"})
    for contact in ("c_ann", "c_bo", "c_cy"):
        tell(nov(1, 8, 1), "contact.added", {"contact_id": contact, "source": "user"})
    # 00:30 on 25 October (the 25-hour day, still CEST) is the 24th in UTC; 00:30 on the
    # 26th (CET) is the 25th in UTC.
    tell(
        datetime(2026, 10, 25, 0, 30, tzinfo=CEST),
        "conversation.opened",
        {"conversation_id": "conv_0", "channel": "sms", "contact_id": "c_ann"},
    )
    message(datetime(2026, 10, 26, 0, 30, tzinfo=CET), "conv_0", received, "s1", None)
    one = {"conversation_id": "conv_1", "channel": "email", "contact_id": "c_ann"}
    tell(nov(2, 9, 0), "conversation.opened", one, ANN, "support")
    message(nov(2, 9, 0), "conv_1", received, "m1", "support")
    message(nov(2, 9, 2), "conv_1", received, "m2", "support")
    message(nov(2, 9, 5), "conv_1", sent, "m3", "support")  # 5 min after m1: first response
    message(nov(2, 10, 0), "conv_1", received, "m4", "support")
    message(nov(2, 10, 0, 30), "conv_1", sent, "m5", "support")  # 30 s
    message(nov(2, 10, 10), "conv_1", sent, "m6", "support")  # nothing was waiting
    message(nov(2, 11, 0), "conv_1", received, "m8", "support")
    message(nov(2, 11, 1), "conv_1", sent, "m7", "support", "broadcast")  # not an answer
    message(nov(2, 12, 0), "conv_1", sent, "m9", "support")  # 1 hour after m8
    two = {"conversation_id": "conv_2", "channel": "whatsapp", "contact_id": "c_bo"}
    tell(nov(3, 23, 30), "conversation.opened", two, ("customer", "c_bo", None), "sales")
    message(nov(3, 23, 40), "conv_2", received, "w1", "sales")
    tell(
        nov(3, 23, 50),
        "conversation.reassigned",
        {"conversation_id": "conv_2", "to_team_id": "support"},
    )
    message(nov(4, 0, 20), "conv_2", sent, "w2", "support")  # 40 min, on the 4th locally
    call = {"activity_id": "a_call", "type": "call", "direction": "outbound", "contact_id": "c_ann"}
    tell(nov(5, 10, 0), "activity.logged", call, DANA, "support")
    note = {"activity_id": "a_note", "type": "note", "contact_id": "c_ann"}
    tell(nov(5, 11, 0), "activity.logged", note, DANA, "support")
    meeting = {"activity_id": "a_mtg", "type": "meeting", "contact_id": "c_ann"}
    tell(nov(5, 12, 0), "activity.logged", meeting, DANA, "support")
    tell(nov(5, 12, 5), "activity.deleted", {"activity_id": "a_mtg"}, DANA, "support")
    tell(nov(6, 9, 0), "contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
    return out


def counts(section, *keys):
    return [tuple(point[k] for k in keys) for point in section["series"]]


async def test_contact_and_team_analytics(settings):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, scenario())
        await until(stack.settled, what="pipeline to settle")
        sales = stack.token("ws_com", role="agent", teams=("sales",))
        async with stack.client(stack.token("ws_com")) as api, stack.client(sales) as agent:

            async def get(path, client=api, **params):
                response = await client.get(path, params=params)
                assert response.status_code == 200, response.text
                return response.json()

            ann = await get("/v1/analytics/contacts/c_ann", **WEEK)
            weekly = await get("/v1/analytics/contacts/c_ann", **WEEK, period="week")
            monthly = await get(
                "/v1/analytics/contacts/c_ann",
                **{"from": "2026-10-24", "to": "2026-11-08"},
                period="month",
            )
            dst = await get(
                "/v1/analytics/contacts/c_ann", **{"from": "2026-10-24", "to": "2026-10-26"}
            )
            on_whatsapp = await get("/v1/analytics/contacts/c_ann", **WEEK, channel="whatsapp")
            cy = await get("/v1/analytics/contacts/c_cy", **WEEK)
            support = await get("/v1/analytics/teams/support", **WEEK)
            team_sales = await get("/v1/analytics/teams/sales", **WEEK)
            ann_for_sales = await get("/v1/analytics/contacts/c_ann", agent, **WEEK)
            hidden = await agent.get("/v1/analytics/teams/support", params=WEEK)
            unknown = await api.get("/v1/analytics/teams/nobody", params=WEEK)
            missing = await api.get("/v1/analytics/contacts/c_nobody", params=WEEK)
        async with stack.client(stack.token("ws_elsewhere")) as other:
            elsewhere = await other.get("/v1/analytics/contacts/c_ann", params=WEEK)
    assert ann["subject"]["includes"] == ["c_ann", "c_bo"]  # c_bo was merged in
    assert ann["range"]["time_zone"] == "Europe/Paris"
    interactions = ann["interactions"]
    assert interactions["total"] == 3  # two conversations and a call; no note, no deleted one
    assert counts(interactions, "count") == [(1,), (1,), (0,), (1,), (0,), (0,), (0,)]
    volume = ann["volume"]
    assert (volume["inbound"], volume["outbound"], volume["total"]) == (5, 7, 12)
    assert counts(volume, "inbound", "outbound")[:4] == [(4, 5), (1, 0), (0, 1), (0, 1)]
    assert [(s["channel"], s["count"], s["percent"]) for s in ann["channels"]["shares"]] == [
        ("email", 9, 75.0),
        ("whatsapp", 2, 16.7),
        ("call", 1, 8.3),
    ]
    reply, first = ann["response_times"]["reply"], ann["response_times"]["first_response"]
    assert (reply["count"], reply["average_seconds"]) == (4, 1582.5)  # 300, 30, 3600, 2400
    assert {b["bin"]: b["count"] for b in reply["histogram"] if b["count"]} == {
        "<1m": 1,
        "5-15m": 1,
        "15m-1h": 1,
        "1-4h": 1,
    }
    assert (first["count"], first["average_seconds"]) == (2, 1350.0)  # 300 and 2400
    assert counts(weekly["interactions"], "period", "count") == [("2026-11-02", 3)]
    assert counts(monthly["interactions"], "period", "count") == [
        ("2026-10-01", 1),
        ("2026-11-01", 3),
    ]
    assert counts(dst["interactions"], "count") == [(0,), (1,), (0,)]  # UTC would say 24th
    assert counts(dst["volume"], "inbound") == [(0,), (0,), (1,)]
    assert on_whatsapp["volume"]["total"] == 2
    assert cy["interactions"]["status"] == "no_data" and cy["interactions"]["total"] is None
    assert cy["response_times"]["reply"]["status"] == "no_data"
    assert support["interactions"]["total"] == 2  # conv_2 was opened by sales
    assert (support["volume"]["inbound"], support["volume"]["outbound"]) == (4, 7)
    assert support["response_times"]["reply"]["count"] == 4
    assert team_sales["volume"]["total"] == 1 and team_sales["interactions"]["total"] == 1
    assert team_sales["response_times"]["reply"]["status"] == "no_data"
    assert ann_for_sales["interactions"]["total"] == 1  # only what sales owned
    assert ann_for_sales["volume"]["inbound"] == 1 and ann_for_sales["volume"]["outbound"] == 0
    assert hidden.status_code == 404 and unknown.status_code == 404
    assert missing.status_code == 404 and elsewhere.status_code == 404
    await assert_live_equals_rebuilt(settings.database_url, ["communication"])
