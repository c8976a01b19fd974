"""docs/asyncapi.json describes the messages really on the bus: producers' envelopes (by
`js.publish` and by request, with and without a correlation id), verdicts, reject notices
and stored events, captured from a running Chronicle and checked, subject, body and
headers, against the document; and what Chronicle refuses as malformed, the document
refuses too."""

from __future__ import annotations

import json

import nats
import psycopg
import pytest

from adapters import bus
from adapters.bus import auth as bus_auth
from tests.support.asyncapi import Captured, Contract
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
WS = "ws_contract"
ACTOR = {"type": "user", "id": "u_17", "name": "Dana"}


def envelope(envelope_id: str, type_: str, data: dict, workspace: str = WS) -> dict:
    return {
        "id": envelope_id,
        "type": type_,
        "workspace_id": workspace,
        "occurred_at": "2026-11-20T09:15:00Z",
        "actor": ACTOR,
        "data": data,
    }


ANN = envelope("e-ann", "contact.added", {"contact_id": "c_ann", "name": "Ann", "source": "api"})
OPENED = envelope(
    "e-open", "conversation.opened", {"conversation_id": "conv_1", "channel": "email"}
)
MESSAGE = envelope(
    "e-msg",
    "conversation.message_received",
    {"conversation_id": "conv_1", "message_id": "m_1", "body": "Hello"},
)
RESOLVED = envelope("e-res", "conversation.resolved", {"conversation_id": "conv_1"})
# Malformed: Chronicle rejects them for their shape, so the document must refuse them too.
NO_SOURCE = envelope("e-bad-1", "contact.added", {"contact_id": "c_bo", "name": "Bo"})
UNKNOWN_FIELD = envelope("e-bad-2", "conversation.resolved", {"conversation_id": "x", "why": 1})
# Well-formed but refused for what no schema can see: a rule, a header that disagrees
# with the body, a body that names another workspace than its subject.
NEVER_OPENED = envelope("e-bad-3", "conversation.resolved", {"conversation_id": "conv_404"})
OTHER_WORKSPACE = envelope(
    "e-bad-4", "contact.added", {"contact_id": "c_x", "source": "api"}, workspace="ws_other"
)


def body(env: dict) -> bytes:
    return json.dumps(env).encode()


def store_head(settings) -> int:
    with psycopg.connect(settings.database_url) as conn:
        sql = "SELECT coalesce(max(notification_id), 0) FROM chronicle_events"
        return conn.execute(sql).fetchone()[0]


async def test_real_messages_on_the_bus_match_the_asyncapi_document(settings):
    contract = Contract()
    seen: dict[str, list[Captured]] = {"ingest": [], "request": [], "rejected": [], "events": []}
    async with Stack(settings, ["timeline"]) as stack:
        watcher = await nats.connect(settings.nats_url)
        for name, into in seen.items():
            await watcher.subscribe(f"audit.{name}.>", cb=_capture(into))
        await watcher.flush()
        producer = await nats.connect(settings.nats_url)
        js = producer.jetstream()

        async def publish(env: dict, headers: dict | None = None, raw: bytes | None = None):
            await js.publish(f"audit.ingest.{WS}.{env['type']}", raw or body(env), headers=headers)

        async def request(env: dict, headers: dict | None = None) -> Captured:
            subject = f"audit.request.{WS}.{env['type']}"
            return Captured.of(await producer.request(subject, body(env), 10, headers=headers))

        # when producers send good envelopes, each way
        await publish(ANN, {bus.MSG_ID: ANN["id"]})
        await publish(OPENED, {bus.MSG_ID: OPENED["id"], bus.CORRELATION_ID: "trace-open"})
        verdicts = [
            await request(MESSAGE),  # no headers at all
            await request(RESOLVED, {bus.MSG_ID: RESOLVED["id"], bus.CORRELATION_ID: "trace-r"}),
            await request(RESOLVED, {bus.MSG_ID: RESOLVED["id"]}),  # a repeat: duplicate
        ]
        # ...and bad ones
        verdicts += [
            await request(NO_SOURCE, {bus.MSG_ID: NO_SOURCE["id"]}),
            await request(UNKNOWN_FIELD, {bus.CORRELATION_ID: "trace-bad"}),
            await request(NEVER_OPENED, {bus.MSG_ID: NEVER_OPENED["id"]}),
        ]
        await publish(ANN, {bus.MSG_ID: "not-the-envelope-id"})
        await publish(ANN, raw=b"{not json")
        await js.publish(f"audit.ingest.{WS}.contact.added", body(OTHER_WORKSPACE))
        await until(lambda: _count(seen["rejected"], 6), what="six reject notices")
        await until(stack.settled, what="the pipeline to settle")
        head = store_head(settings)
        await until(lambda: _count(seen["events"], head), what=f"{head} stored events")
        await producer.close()
        await watcher.close()

    # then every verdict is a Verdict, with its headers
    statuses = [json.loads(v.data)["status"] for v in verdicts]
    assert statuses == ["accepted", "accepted", "duplicate", "rejected", "rejected", "rejected"]
    for verdict in verdicts:
        assert verdict.subject.startswith("_INBOX.")  # the verdict channel: the inbox
        assert contract.message_problems("Verdict", verdict) == []
    # ...every notice is a RejectNotice, on the rejected channel of the subject's workspace
    for notice in seen["rejected"]:
        assert contract.channel_of(notice.subject) == ("rejected", {"workspace_id": WS})
        assert contract.message_problems("RejectNotice", notice) == []
    # ...every stored event is a StoredEvent, on the events channel
    assert len(seen["events"]) == head >= 4
    for event in seen["events"]:
        channel, parameters = contract.channel_of(event.subject)
        assert channel == "events" and parameters["workspace_id"] == WS
        assert contract.message_problems("StoredEvent", event) == []
        assert contract.misplaced(channel, parameters, event) == []
    # ...every envelope is on its type's channel, and matches its message when well-formed
    malformed = {body(NO_SOURCE), body(UNKNOWN_FIELD), b"{not json"}
    checked = 0
    for name, kind in (("ingest", "ingest."), ("request", "request")):
        for message in seen[name]:
            channel, parameters = contract.channel_of(message.subject)
            assert channel.startswith(kind) and parameters["workspace_id"] == WS
            (message_id,) = contract.messages_of(channel)
            problems = contract.message_problems(message_id, message)
            assert bool(problems) == (message.data in malformed), (message, problems)
            if message.data not in malformed:  # the subject's workspace is the body's...
                misplaced = contract.misplaced(channel, parameters, message)
                assert bool(misplaced) == (message.data == body(OTHER_WORKSPACE)), misplaced
            checked += 1
    assert checked == 5 + 6 + 6  # published; requests forwarded into the stream; requests
    gateway = [m for m in seen["ingest"] if bus.REPLY_TO in m.headers]
    assert len(gateway) == 6  # forwarded requests carry the gateway's headers, as documented
    gateway_adds = {bus.REPLY_TO, bus_auth.REPLY_HEADER, "Nats-Expected-Stream"}
    sent = {bus.MSG_ID, bus.CORRELATION_ID}  # all the producer sent here
    for forwarded in gateway:  # ...and the producer's, and nothing a library made up
        assert set(forwarded.headers) - gateway_adds <= sent, forwarded.headers


def _capture(into: list):
    async def keep(msg) -> None:
        into.append(Captured.of(msg))

    return keep


async def _count(items: list, expected: int) -> bool:
    return len(items) >= expected
