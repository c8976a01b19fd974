"""The four contact logs over HTTP: the seed's columns, deleted users shown by id, merges
shown by their primary, the 10,000-row cap and the uncapped CSV export."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from adapters.eventstore import EventStore
from chronicle_tools.workload import Producer
from tests.support.bus import publish_all
from tests.support.report_scenario import report_scenario
from tests.support.stack import Stack
from tests.support.store import ingest
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
AROUND = {"from": "2026-10-31", "to": "2026-11-03"}


def table(page):
    return [(r["contact_id"], r["contact_name"], r["source"], r["user"]) for r in page["rows"]]


async def test_logs_have_the_seed_columns_and_follow_deletions_and_merges(settings, monkeypatch):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, report_scenario())
        await until(stack.settled, what="pipeline to settle")
        blue = stack.token("ws_rep", role="agent", teams=("blue",))
        async with stack.client(stack.token("ws_rep")) as api, stack.client(blue) as agent:

            async def log(name, client=api, **params):
                response = await client.get(
                    f"/v1/reports/contacts/logs/{name}", params={**AROUND, **params}
                )
                assert response.status_code == 200, response.text
                return response.json()

            added = await log("added")
            deleted = await log("deleted")
            merged = await log("merged")
            connected = await log("connected")
            on_whatsapp = await log("connected", channel="whatsapp")
            added_on_whatsapp = await log("added", channel="whatsapp")
            for_c1 = await log("added", contact="c_1")
            by_dana = await log("added", user="u_17")
            empty = await log("added", **{"from": "2026-06-01", "to": "2026-06-02"})
            cut = await log("added", limit=2)
            for_agent = await log("added", client=agent)
            exported = await api.get("/v1/reports/contacts/logs/added/export", params=AROUND)
            unknown = await api.get("/v1/reports/contacts/logs/renamed", params=AROUND)
            monkeypatch.setattr("services.api.routes.report_params.MAX_CONTACTS", 1)
            too_many = await api.get(  # c_1 and c_4, merged into it: more than 1
                "/v1/reports/contacts/logs/added", params={**AROUND, "contact": "c_1"}
            )
    assert table(added) == [
        ("c_red", "Red Only", "user", "u_21"),  # Sam has been deleted: shown by id
        ("c_4", "Di Ray", "incoming_message", None),
        ("c_3", "Cy Young", "api", None),
        ("c_2", "Bo Chen", "import", None),  # a user column only when the source is user
        ("c_1", "Ann Lee-Smith", "user", "Dana"),  # the current name
    ]
    first = added["rows"][-1]
    assert first["timestamp"] == "2026-11-01T03:30:00Z"
    assert first["local_time"] == "2026-10-31T23:30:00-04:00"
    assert added["rows"][2]["local_time"] == "2026-11-01T23:30:00-05:00"
    assert added["rows"][0]["user_deleted"] is True and added["rows"][0]["user_id"] == "u_21"
    assert (added["total"], added["truncated"], added["status"]) == (5, False, "ok")
    assert table(deleted) == [("c_3", "Cy Young", "user", "u_21")]
    assert table(merged) == [("c_1", "Ann Lee-Smith", "user", "Dana")]  # the primary
    assert merged["rows"][0]["merged_contact_id"] == "c_4"
    assert [(r["contact_id"], r["channel"]) for r in connected["rows"]] == [
        ("c_2", "email"),
        ("c_1", "whatsapp"),
    ]
    assert [r["contact_id"] for r in on_whatsapp["rows"]] == ["c_1"]  # deleted, still there
    assert added_on_whatsapp["status"] == "filter_not_applicable"
    assert added_on_whatsapp["not_applicable"] == ["channel"] and added_on_whatsapp["rows"] == []
    assert [r["contact_id"] for r in for_c1["rows"]] == ["c_4", "c_1"]  # c_4 merged into c_1
    assert [r["contact_id"] for r in by_dana["rows"]] == ["c_1"]
    assert (empty["status"], empty["total"], empty["rows"]) == ("no_data", 0, [])
    assert (cut["returned"], cut["total"], cut["truncated"]) == (2, 5, True)
    assert [r["contact_id"] for r in for_agent["rows"]] == ["c_4", "c_3", "c_2", "c_1"]
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.text)))
    assert lines[0][:6] == [
        "timestamp",
        "local_time",
        "contact_id",
        "contact_name",
        "source",
        "user",
    ]
    assert [line[2] for line in lines[1:]] == ["c_red", "c_4", "c_3", "c_2", "c_1"]
    assert lines[1][5] == "u_21"
    assert unknown.status_code == 422
    assert too_many.status_code == 422 and "name them by id" in too_many.text


async def test_a_response_holds_at_most_10000_rows_and_the_export_has_them_all(settings):
    rows = 10_001
    start = datetime(2026, 11, 5, tzinfo=UTC)
    p = Producer("ws_big", "big")
    messages = [
        p.envelope(
            "contact.added",
            {"contact_id": f"c_{n:05d}", "name": f"Contact {n}", "source": "import"},
            ("system", "importer", None),
            start + timedelta(seconds=n),
        )
        for n in range(rows)
    ]
    with EventStore(settings.database_url) as store:  # in bulk, straight through ingest
        assert ingest(store, messages) == rows
    # Only the read models this reads: the others take far longer on 10,001 contacts.
    async with Stack(settings, ["workspace", "contacts_report"]) as stack:
        await until(stack.settled, within=120, what="the projections to catch up")
        async with stack.client(stack.token("ws_big")) as api:
            params = {"from": "2026-11-05", "to": "2026-11-05"}
            page = (await api.get("/v1/reports/contacts/logs/added", params=params)).json()
            one = (
                await api.get(
                    "/v1/reports/contacts/logs/added", params={**params, "contact": "c_00042"}
                )
            ).json()
            report = (await api.get("/v1/reports/contacts", params=params)).json()
            async with api.stream(
                "GET", "/v1/reports/contacts/logs/added/export", params=params
            ) as response:
                chunks = [chunk async for chunk in response.aiter_text()]
    assert (page["returned"], page["total"], page["truncated"]) == (10_000, rows, True)
    assert len(page["rows"]) == 10_000 and page["rows"][0]["contact_id"] == "c_10000"
    assert page["export"].startswith("/v1/reports/contacts/logs/added/export?")
    assert (one["returned"], one["total"], one["truncated"]) == (1, 1, False)
    assert report["charts"]["contacts_added"]["total"] == rows
    lines = "".join(chunks).splitlines()
    assert len(lines) == rows + 1  # the header, then every row: no cap
    assert len(chunks) > 2  # streamed in batches, not built in one piece
