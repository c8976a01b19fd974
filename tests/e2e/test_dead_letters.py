"""Poison: what fails again and again is parked after bounded retries, without stopping the
stream, listed, and replayed once fixed."""

import dataclasses
from datetime import UTC, datetime

import psycopg
import pytest

from chronicle_tools.workload import Producer
from projections.timeline import Timeline
from services.ingest import registry
from services.operate.dead_letters import list_dead_letters, replay
from tests.support.bus import publish_all
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
DANA = ("user", "u_17", "Dana")
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def story(p: Producer, conversation: str, tags: list[str]) -> list:
    out = [
        p.envelope(
            "conversation.opened",
            {"conversation_id": conversation, "channel": "sms", "contact_id": "c1"},
            DANA,
            AT,
        )
    ]
    out += [
        p.envelope(
            "conversation.tag_added", {"conversation_id": conversation, "tag": tag}, DANA, AT
        )
        for tag in tags
    ]
    return out


def accepted(database_url: str) -> set[str]:
    with psycopg.connect(database_url) as conn:
        return {e for (e,) in conn.execute("SELECT envelope_id FROM ingest_envelopes")}


async def test_an_envelope_that_keeps_failing_is_parked_and_replayed_once_fixed(
    settings, monkeypatch
):
    broken = {"on": True}
    real = registry.COMMANDS["conversation.tag_added"]

    def flaky(uow, meta, data):
        if broken["on"] and data.tag == "poison":
            raise RuntimeError("bug in the tag handler")
        real.handle(uow, meta, data)

    monkeypatch.setitem(
        registry.COMMANDS, "conversation.tag_added", dataclasses.replace(real, handle=flaky)
    )
    p = Producer("ws_dlq", "d")
    messages = [
        p.envelope("contact.added", {"contact_id": "c1", "source": "api"}, DANA, AT),
        *story(p, "conv_1", ["a", "poison", "b"]),
    ]
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, messages)
        await until(stack.settled, what="the stream to flow past the poison")
        parked = list_dead_letters(settings.database_url)
        before = accepted(settings.database_url)
        broken["on"] = False  # the fix is deployed
        results = await replay(settings.database_url, settings.nats_url, [parked[0]["id"]])

        async def replayed():
            return messages[3].envelope_id in accepted(settings.database_url)

        await until(replayed, what="the replayed envelope to be accepted")
        await until(stack.settled, what="projections")
        async with stack.client(stack.token("ws_dlq")) as api:
            trail = (await api.get("/v1/conversations/conv_1/audit-trail")).json()
    assert [(d["consumer"], d["envelope_id"], d["attempts"]) for d in parked] == [
        ("ingest", messages[3].envelope_id, 3)
    ]
    assert "bug in the tag handler" in parked[0]["error"]
    assert before == {m.envelope_id for m in messages} - {messages[3].envelope_id}
    assert results[0].ok
    assert list_dead_letters(settings.database_url) == []  # replayed ones are not listed
    assert [e["details"].get("tag") for e in trail["entries"]][1:] == ["a", "b", "poison"]


async def test_an_event_a_projection_cannot_apply_is_parked_and_the_rest_applied(
    settings, monkeypatch
):
    broken = {"on": True}
    real_apply = Timeline.apply

    async def flaky_apply(self, cur, events):
        if broken["on"] and any(getattr(e.event, "tag", None) == "poison" for e in events):
            raise RuntimeError("bug in the timeline projection")
        await real_apply(self, cur, events)

    monkeypatch.setattr(Timeline, "apply", flaky_apply)
    p = Producer("ws_dlq", "p")
    messages = [
        p.envelope("contact.added", {"contact_id": "c1", "source": "api"}, DANA, AT),
        *story(p, "conv_1", ["a", "poison", "b"]),
    ]
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, messages)
        await until(stack.settled, what="the timeline to move past the poison")
        parked = list_dead_letters(settings.database_url)
        async with stack.client(stack.token("ws_dlq")) as api:
            before = (await api.get("/v1/contacts/c1/timeline?limit=100")).json()
            broken["on"] = False
            results = await replay(settings.database_url, None, [parked[0]["id"]])
            after = (await api.get("/v1/contacts/c1/timeline?limit=100")).json()
    tags = [{e["details"].get("tag") for e in page["entries"]} - {None} for page in (before, after)]
    assert [(d["consumer"], d["type"]) for d in parked] == [
        ("projection:timeline", "conversation.tag_added.v1")
    ]
    assert tags == [{"a", "b"}, {"a", "b", "poison"}]
    assert results[0].ok
