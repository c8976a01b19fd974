"""The headers of each message on Chronicle's bus, as JSON Schemas, named by the constants
the services read and write: producers' envelopes, answers (verdicts and reject notices)
and stored events. NATS header values are strings."""

from __future__ import annotations

from typing import Any

from nats.js.api import Header

from adapters import bus
from adapters.bus import auth as bus_auth
from chronicle_tools.docs.asyncapi_messages import wire_names
from services.ingest.envelope import Envelope

DIGITS = "^[0-9]+$"
UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
Schema = dict[str, Any]


def _text(description: str, **constraints: Any) -> Schema:
    return {"type": "string", "description": description, **constraints}


def _object(title: str, description: str, properties: dict, required=(), extra=False) -> Schema:
    schema: Schema = {
        "title": title,
        "description": description,
        "type": "object",
        "properties": properties,
        "additionalProperties": {"type": "string"} if extra else False,
    }
    if required:
        schema["required"] = list(required)
    return schema


_ID = Envelope.model_json_schema()["properties"]["id"]
PRODUCER = {
    bus.MSG_ID: _text(
        "The envelope id, or absent; any other value is rejected (`field: headers.Nats-Msg-Id`).",
        minLength=_ID["minLength"],
        maxLength=_ID["maxLength"],
    ),
    bus.CORRELATION_ID: _text(
        "Optional: the producer's trace id. Every stored event, verdict, notice and log "
        "line about the message carries it (default: the envelope id).",
        minLength=1,
    ),
}
GATEWAY = {
    bus.REPLY_TO: _text(
        "Set by Chronicle's request gateway only, when it forwards a request into the stream: "
        "where the verdict goes. A producer's own is ignored (no verdict is sent there)."
    ),
    bus_auth.REPLY_HEADER: _text(
        "Set by Chronicle's request gateway only: its HMAC of the reply subject and the body."
    ),
    Header.EXPECTED_STREAM.value: _text(
        "Set by Chronicle's request gateway: `AUDIT_INGEST`.", const=bus.INGEST_STREAM
    ),
}
OTHERS = " Other headers are carried and ignored."

REQUEST_HEADERS = _object(
    "RequestHeaders",
    "What a producer sends with an envelope." + OTHERS,
    PRODUCER,
    extra=True,
)
INGEST_HEADERS = _object(
    "IngestHeaders",
    "What an envelope on the ingest stream carries: the producer's headers, and the "
    "gateway's when it came as a request." + OTHERS,
    {**PRODUCER, **GATEWAY},
    extra=True,
)
ANSWER_HEADERS = _object(
    "AnswerHeaders",
    "What ties a verdict or reject notice to the message it answers, however unreadable "
    "its body was.",
    {
        bus.CORRELATION_ID: _text(
            "As `correlation_id` in the body: the producer's; else the envelope id; else "
            "`AUDIT_INGEST-<sequence>`.",
            minLength=1,
        ),
        bus.MSG_ID: _text("The `Nats-Msg-Id` the answered message came with, if it had one."),
        bus.ANSWERED_SUBJECT: _text("The subject the answered message was published on."),
        bus.INGEST_SEQUENCE: _text(
            "Its sequence on AUDIT_INGEST: the `seq` of the producer's PubAck.", pattern=DIGITS
        ),
    },
    required=(bus.CORRELATION_ID, bus.ANSWERED_SUBJECT, bus.INGEST_SEQUENCE),
)
STORED_EVENT_HEADERS = _object(
    "StoredEventHeaders",
    "Set by Chronicle's relay on every stored event; `Chronicle-MAC` authenticates the "
    "others and the body (docs/security.md).",
    {
        bus.MSG_ID: _text(
            "The event's store position (the events stream's duplicate key).", pattern=DIGITS
        ),
        bus.POSITION: _text("The event's position in the store: 1, 2, …", pattern=DIGITS),
        bus.PREVIOUS_POSITION: _text(
            "The position of the event before it in its partition; 0 for the first.",
            pattern=DIGITS,
        ),
        bus.PARTITION: _text(
            "`<p>/<n>`: its partition of n (docs/scaling.md).", pattern="^[0-9]+/[1-9][0-9]*$"
        ),
        bus.WIRE_NAME: _text("The event's wire name (docs/events.md).", enum=wire_names()),
        bus.AGGREGATE_ID: _text("The aggregate's id.", format="uuid", pattern=UUID),
        bus.VERSION: _text("The aggregate's version after this event.", pattern="^[1-9][0-9]*$"),
        bus.CORRELATION_ID: _text(
            "The correlation id of the envelope it came from (empty when it had none)."
        ),
        bus_auth.HEADER: _text(
            "HMAC-SHA256 (base64) with the relay's key over the stream sequence, these "
            "headers and the body.",
            pattern="^[A-Za-z0-9+/]{43}=$",
        ),
        bus.EXPECTED_LAST_SEQUENCE: _text(
            "The relay's order guard: the stream sequence it expects before this event.",
            pattern=DIGITS,
        ),
    },
    required=(
        bus.MSG_ID,
        bus.POSITION,
        bus.PREVIOUS_POSITION,
        bus.PARTITION,
        bus.WIRE_NAME,
        bus.AGGREGATE_ID,
        bus.VERSION,
        bus.CORRELATION_ID,
        bus_auth.HEADER,
        bus.EXPECTED_LAST_SEQUENCE,
    ),
)
HEADERS = [REQUEST_HEADERS, INGEST_HEADERS, ANSWER_HEADERS, STORED_EVENT_HEADERS]
