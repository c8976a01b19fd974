"""docs/asyncapi.json is an AsyncAPI 3 document a generator can use: valid against the
specification's own JSON Schema, every address parameter declared, every message with a
payload and a headers schema, request/reply as one operation, headers named as the code
reads them. (Real messages against it: tests/e2e/test_asyncapi_messages.py.)"""

import json
import re

import pytest
from jsonschema import Draft7Validator

from adapters import bus
from adapters.bus import auth as bus_auth
from chronicle_tools.docs.asyncapi import document
from services.ingest.registry import COMMANDS
from tests.support.asyncapi import ROOT, Captured, Contract

pytestmark = pytest.mark.unit
SPEC = ROOT / "tests/support/vendor/asyncapi-specs-6.11.1/asyncapi-3.0.0.json"


@pytest.fixture(scope="module")
def doc():
    return json.loads(json.dumps(document()))  # as written: JSON, not Python objects


def test_the_document_is_valid_asyncapi_3(doc):
    errors = Draft7Validator(json.loads(SPEC.read_text())).iter_errors(doc)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []
    assert doc["asyncapi"] == "3.0.0"


def test_ids_are_clean_names(doc):
    clean = re.compile(r"^[A-Za-z][\w.]*$")  # usable as class and function names
    for group in ("channels", "operations"):
        assert [k for k in doc[group] if not clean.match(k)] == []
    for group in ("messages", "schemas"):
        assert [k for k in doc["components"][group] if not clean.match(k)] == []


def test_every_address_parameter_is_declared_and_nothing_else(doc):
    for name, channel in doc["channels"].items():
        named = re.findall(r"\{(\w+)\}", channel["address"] or "")
        assert sorted(named) == sorted(channel.get("parameters", {})), name
        for parameter in channel.get("parameters", {}).values():
            assert parameter["description"]
            assert "enum" in parameter or "x-pattern" in parameter


def test_every_message_has_a_payload_headers_and_the_correlation_id_the_code_reads(doc):
    for name, message in doc["components"]["messages"].items():
        assert message["name"] == name
        assert {"payload", "headers", "contentType"} <= set(message)
        assert message["correlationId"]["location"] == f"$message.header#/{bus.CORRELATION_ID}"
    schemas = doc["components"]["schemas"]
    assert set(schemas["RequestHeaders"]["properties"]) == {bus.MSG_ID, bus.CORRELATION_ID}
    answer = schemas["AnswerHeaders"]
    assert set(answer["properties"]) == {
        bus.CORRELATION_ID,
        bus.MSG_ID,
        bus.ANSWERED_SUBJECT,
        bus.INGEST_SEQUENCE,
    }
    assert answer["additionalProperties"] is False
    assert set(schemas["StoredEventHeaders"]["required"]) == {
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
    }
    named = {h for n, s in schemas.items() if n.endswith("Headers") for h in s["properties"]}
    assert "correlation_id" not in named


def test_the_request_is_one_operation_whose_reply_is_the_verdict(doc):
    request = doc["operations"]["request"]
    assert request["action"] == "receive"
    assert request["channel"] == {"$ref": "#/channels/request"}
    assert doc["channels"]["request"]["address"] == (
        "audit.request.{workspace_id}.{aggregate}.{action}"
    )
    assert request["reply"]["channel"] == {"$ref": "#/channels/verdict"}
    assert request["reply"]["messages"] == [{"$ref": "#/channels/verdict/messages/Verdict"}]
    assert doc["channels"]["verdict"]["address"] is None  # the requester's own inbox


def test_every_reference_resolves(doc):
    refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(doc))
    for ref in set(refs):
        node = doc
        for key in ref.split("/"):
            node = node[key.replace("~1", "/").replace("~0", "~")]
    assert len(refs) > len(COMMANDS) * 3


def test_every_envelope_type_has_its_channel_message_and_a_valid_example(doc):
    contract = Contract(doc)
    for type_ in COMMANDS:
        channel = doc["channels"][f"ingest.{type_}"]
        assert channel["address"] == f"audit.ingest.{{workspace_id}}.{type_}"
        (message_id,) = contract.messages_of(f"ingest.{type_}")
        (example,) = doc["components"]["messages"][message_id]["examples"]
        sent = Captured(
            f"audit.ingest.ws_acme.{type_}",
            example["headers"],
            json.dumps(example["payload"]).encode(),
        )
        assert contract.channel_of(sent.subject) == (f"ingest.{type_}", {"workspace_id": "ws_acme"})
        assert contract.message_problems(message_id, sent) == []
        assert contract.message_problems("EnvelopeRequest", sent) == []
        assert contract.misplaced(f"ingest.{type_}", {"workspace_id": "ws_acme"}, sent) == []


def test_a_subject_outside_every_channel_matches_none():
    contract = Contract()
    assert contract.channels_of("audit.ingest.ws_acme.contact.teleported") == []
    assert contract.channels_of("audit.ingest.ws acme.contact.added") == []
    assert contract.channels_of("audit.events.contact.added.ws_a.NOT-HEX") == []
    assert contract.channel_of("audit.events.contact.added.ws_a." + "ab" * 16 + ".3")[0] == (
        "events.partitioned"
    )
