"""Ids with a slash in them are served like any other: the ingest contract takes any text
as an id (`crm/123`, Shopify's `gid://shopify/Customer/1`), and a client asks for one
percent-encoded (`crm%2F123`). The API answered 404 (no route), because the server decoded
the path before routing (services/api/slashes.py). Two workspaces hold the same ids."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from chronicle_tools.workload import Producer
from tests.support.bus import publish_all
from tests.support.scenario import DANA, START
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
IDS = ("crm/123", "gid://shopify/Customer/1")


def scenario(ws: str, name: str) -> list:
    p = Producer(ws, "slashes")
    steps = []
    for n, contact in enumerate(IDS):
        added = {"contact_id": contact, "name": f"{name} {n}", "source": "api"}
        steps.append(p.envelope("contact.added", added, DANA, START + timedelta(minutes=n)))
    opened = {"conversation_id": "conv/9", "channel": "email", "contact_id": IDS[0]}
    steps.append(p.envelope("conversation.opened", opened, DANA, START + timedelta(minutes=5)))
    return steps


async def test_an_id_with_a_slash_is_read_back_when_it_is_percent_encoded(settings):
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, scenario("ws_slash", "Ann") + scenario("ws_o", "Bo"))
        await until(stack.settled, what="the scenario")
        async with stack.client(stack.token("ws_slash")) as api:
            for contact in IDS:
                path = quote(contact, safe="")  # crm%2F123, gid%3A%2F%2Fshopify%2F...
                timeline = await api.get(f"/v1/contacts/{path}/timeline")
                assert timeline.status_code == 200, (contact, timeline.text)
                assert timeline.json()["subject_id"] == contact
                summaries = [e["summary"] for e in timeline.json()["entries"]]
                assert any("Ann" in s for s in summaries) and not any("Bo" in s for s in summaries)
                audit = await api.get(f"/v1/audit/contact/{path}/events")
                assert audit.status_code == 200, (contact, audit.text)
            trail = await api.get("/v1/conversations/conv%2F9/audit-trail")
            assert trail.status_code == 200, trail.text
            assert trail.json()["conversation_id"] == "conv/9"
            # a slash that is not encoded separates segments, as in any URL
            assert (await api.get("/v1/contacts/crm/123/timeline")).status_code == 404
            assert (await api.get("/v1/contacts/c_nobody%2Fx/timeline")).status_code == 404
