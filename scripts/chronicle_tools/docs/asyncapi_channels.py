"""The channels and operations of docs/asyncapi.json: the bus's subjects with their
parameters (adapters/bus/), one ingest channel per envelope type, the request with its
reply, reject notices and stored events.

AsyncAPI 3 gives a channel parameter no schema; each one's pattern is in its description
and, for tools, in the extension `x-pattern` (an `enum` where the values are known)."""

from __future__ import annotations

from typing import Any

from adapters import bus
from chronicle_tools.docs.asyncapi_messages import envelope_model, wire_names
from services.ingest.envelope import WORKSPACE_PATTERN
from services.ingest.registry import COMMANDS

AGGREGATE_ID = "^[0-9a-f]{32}$"


def _parameter(description: str, pattern: str | None = None, **more: Any) -> dict[str, Any]:
    if pattern:
        description += f" Pattern: `{pattern}`."
        more["x-pattern"] = pattern
    return {"description": description, **more}


def workspace(location: str | None = None, also: str = "") -> dict[str, Any]:
    more = {"location": location} if location else {}
    return _parameter(
        "The workspace id: letters, digits, `_` and `-`, 1 to 64." + also,
        WORKSPACE_PATTERN,
        examples=["ws_acme"],
        **more,
    )


def _tokens(names: list[str], index: int) -> list[str]:
    return sorted({name.split(".")[index] for name in names})


def _channel(address: str | None, title: str, description: str, messages: list[str], **more):
    return {
        "address": address,
        "title": title,
        "description": description,
        "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in messages},
        **more,
    }


def _operation(action: str, channel: str, messages: list[str], summary: str, security: str):
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{m}"} for m in messages],
        "summary": summary,
        "security": [{"$ref": f"#/components/securitySchemes/{security}"}],
    }


def _ingest() -> tuple[dict, dict]:
    channels, operations = {}, {}
    for command in COMMANDS.values():
        name, message = f"ingest.{command.type}", envelope_model(command).__name__
        channels[name] = _channel(
            bus.ingest_subject("{workspace_id}", command.type),
            f"ingest {command.type}",
            f"{command.summary}. A {command.kind}. Durable stream {bus.INGEST_STREAM}: "
            "`js.publish` returns once it is safely there; Chronicle applies it a moment "
            "later (rejects are announced on `audit.rejected.<workspace_id>`). The envelope "
            "id is recorded once per workspace, however often it is sent.",
            [message],
            parameters={"workspace_id": workspace("$message.payload#/workspace_id")},
        )
        operations[name] = _operation(
            "receive", name, [message], f"Chronicle applies `{command.type}` envelopes.", "producer"
        )
    return channels, operations


def channels_and_operations() -> tuple[dict[str, Any], dict[str, Any]]:
    channels, operations = _ingest()
    types = list(COMMANDS)
    channels["request"] = _channel(
        bus.request_subject("{workspace_id}", "{aggregate}.{action}"),
        "request",
        "A core NATS request carrying one envelope, whose type is `<aggregate>.<action>` of "
        "the subject. Chronicle's gateway forwards it into the ingest stream (adding "
        "`Chronicle-Reply-To`) and the verdict is the reply, once the envelope is committed "
        "or rejected.",
        ["EnvelopeRequest"],
        parameters={
            "workspace_id": workspace("$message.payload#/workspace_id"),
            "aggregate": _parameter("The envelope type's first part.", enum=_tokens(types, 0)),
            "action": _parameter("The envelope type's second part.", enum=_tokens(types, 1)),
        },
    )
    channels["verdict"] = _channel(
        None,
        "verdict",
        "The requester's inbox: the reply subject of its NATS request (with a producer's "
        "credential, under `_INBOX.<user>.`).",
        ["Verdict"],
    )
    operations["request"] = {
        **_operation(
            "receive", "request", ["EnvelopeRequest"], "Chronicle answers requests.", "producer"
        ),
        "reply": {
            "channel": {"$ref": "#/channels/verdict"},
            "messages": [{"$ref": "#/channels/verdict/messages/Verdict"}],
        },
    }
    channels["rejected"] = _channel(
        bus.rejected_subject("{workspace_id}"),
        "reject notices",
        f"A notice of every rejected message (stream {bus.REJECTED_STREAM}, kept 30 days), "
        "published or requested; rejects are also kept in the store.",
        ["RejectNotice"],
        parameters={
            "workspace_id": workspace(
                also=" The workspace of the subject the message was published on, never one "
                "its body names; `_unknown` when the subject named none."
            )
        },
    )
    operations["reject"] = _operation(
        "send", "rejected", ["RejectNotice"], "Chronicle announces a rejected message.", "producer"
    )
    _events(channels, operations)
    return channels, operations


def _events(channels: dict, operations: dict) -> None:
    names = wire_names()
    parameters = {
        "aggregate": _parameter("The wire name's first part.", enum=_tokens(names, 0)),
        "action": _parameter("The wire name's second part.", enum=_tokens(names, 1)),
        "workspace_id": workspace("$message.payload#/meta/workspace_id"),
        "aggregate_id": _parameter(
            "The aggregate id, 32 lowercase hex digits (`Chronicle-Aggregate-Id` without "
            "its dashes).",
            AGGREGATE_ID,
        ),
    }
    address = bus.event_subject("{aggregate}.{action}", "{workspace_id}", "{aggregate_id}")
    channels["events"] = _channel(
        address,
        "stored events",
        f"Every stored event, in store order, exactly once (stream {bus.EVENTS_STREAM}).",
        ["StoredEvent"],
        parameters=parameters,
    )
    channels["events.partitioned"] = _channel(
        address + ".{partition}",
        "stored events, partitioned",
        "The same, as JetStream stores and delivers them when CHRONICLE_PROJECTOR_PARTITIONS = "
        "n > 1: it appends "
        "the partition (a hash of the workspace) as a last token (docs/scaling.md).",
        ["StoredEvent"],
        parameters={**parameters, "partition": _parameter("0 to n - 1.", "^[0-9]+$")},
    )
    for name in ("events", "events.partitioned"):
        operations[name] = _operation(
            "send", name, ["StoredEvent"], "Chronicle's relay publishes a stored event.", "reader"
        )
