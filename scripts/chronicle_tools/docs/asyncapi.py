"""The AsyncAPI 3 document of Chronicle's bus (docs/asyncapi.json), built from the code.

Chronicle's consumers are nats-py pull loops (docs/architecture.md says why), and what a
code generator needs (headers, channel parameters, request/reply) is more than FastStream's
generator says, so the document is assembled here, from the envelope models of the ingest
registry, the answer and event models (asyncapi_messages.py), the headers the
services read and write (asyncapi_headers.py) and the bus's subjects. It is
written from Chronicle's side: it *receives* envelopes and requests, and *sends* verdicts,
reject notices and stored events. tests/e2e/test_asyncapi_messages.py checks real messages
captured from the bus against it.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import models_json_schema

from chronicle_tools.docs.asyncapi_channels import channels_and_operations
from chronicle_tools.docs.asyncapi_headers import HEADERS
from chronicle_tools.docs.asyncapi_messages import ANSWERS, StoredEvent, envelope_model
from services.ingest.registry import COMMANDS

REF = "#/components/schemas/{model}"
CORRELATION = {
    "description": "The producer's trace id (docs/producers.md)",
    "location": "$message.header#/Chronicle-Correlation-Id",
}
ACTOR = {"type": "user", "id": "u_17", "name": "Dana"}


def ref(name: str, where: str = "schemas") -> dict[str, str]:
    return {"$ref": f"#/components/{where}/{name}"}


def _message(name: str, title: str, summary: str, payload: str, headers: str, **more) -> dict:
    return {
        "name": name,
        "title": title,
        "summary": summary,
        "contentType": "application/json",
        "payload": ref(payload),
        "headers": ref(headers),
        "correlationId": CORRELATION,
        **more,
    }


def example(type_: str) -> dict[str, Any]:
    """The registry's example of a type, as one message a producer would send."""
    envelope_id = f"example-{type_}"
    payload = {
        "id": envelope_id,
        "type": type_,
        "workspace_id": "ws_acme",
        "occurred_at": "2026-11-20T09:15:00Z",
        "actor": ACTOR,
        "data": COMMANDS[type_].example,
    }
    return {"name": "example", "headers": {"Nats-Msg-Id": envelope_id}, "payload": payload}


def components() -> dict[str, Any]:
    envelopes = [envelope_model(c) for c in COMMANDS.values()]
    answers = list(ANSWERS)
    _, top = models_json_schema(
        [(m, "validation") for m in (*envelopes, *answers, StoredEvent)], ref_template=REF
    )
    schemas = top["$defs"]
    schemas["Envelope"] = {
        "title": "Envelope",
        "description": "Any envelope: the one whose `type` it names.",
        "oneOf": [ref(m.__name__) for m in envelopes],
    }
    schemas["Verdict"] = {
        "title": "Verdict",
        "description": "Chronicle's answer to a request: by `status`.",
        "oneOf": [ref(m.__name__) for m in answers],
    }
    schemas.update({h["title"]: h for h in HEADERS})
    messages = {
        m.__name__: _message(
            m.__name__,
            f"{c.type} envelope",
            f"{c.summary} (a {c.kind}).",
            m.__name__,
            "IngestHeaders",
            examples=[example(c.type)],
        )
        for c, m in zip(COMMANDS.values(), envelopes, strict=True)
    }
    messages["EnvelopeRequest"] = _message(
        "EnvelopeRequest",
        "request",
        "Any envelope, sent as a core NATS request: the verdict is the reply.",
        "Envelope",
        "RequestHeaders",
        examples=[example("contact.added")],
    )
    messages["Verdict"] = _message(
        "Verdict", "verdict", "Chronicle's answer to a request.", "Verdict", "AnswerHeaders"
    )
    messages["RejectNotice"] = _message(
        "RejectNotice",
        "reject notice",
        "A rejected message, announced to the workspace of the subject it came on.",
        "Rejected",
        "AnswerHeaders",
    )
    messages["StoredEvent"] = _message(
        "StoredEvent",
        "stored event",
        "An event as stored, in store order, exactly once.",
        "StoredEvent",
        "StoredEventHeaders",
    )
    return {
        "schemas": dict(sorted(schemas.items())),
        "messages": messages,
        "securitySchemes": {
            "producer": {
                "type": "userPassword",
                "description": "A producer's credential (`chronicle producer create --workspace "
                "W`): publish on `audit.ingest.<W>.>` and `audit.request.<W>.>`, read "
                "`audit.rejected.<W>`. Connect with the inbox prefix `_INBOX.<user>`: "
                "replies (verdicts, PubAcks) come there (docs/security.md).",
            },
            "reader": {
                "type": "userPassword",
                "description": "A downstream reader's credential (`chronicle reader create "
                "--workspace W`): read stored events of W, inbox prefix `_INBOX.<user>`.",
            },
        },
    }


def document() -> dict[str, Any]:
    channels, operations = channels_and_operations()
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Chronicle bus",
            "version": "0.1.0",
            "description": "What producers send to Chronicle on NATS (JetStream) and what "
            "Chronicle sends. Producer's guide: docs/producers.md; the producer package: "
            "clients/python; event catalogue: docs/events.md; one JSON Schema per envelope "
            "type: docs/schemas/.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "chronicle": {
                "host": "localhost:4222",
                "protocol": "nats",
                "description": "Chronicle's NATS; authorization is always on.",
                "security": [ref("producer", "securitySchemes"), ref("reader", "securitySchemes")],
            }
        },
        "channels": channels,
        "operations": operations,
        "components": components(),
    }


def asyncapi_json() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"
