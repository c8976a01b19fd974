"""The producer package's models say what the server's contracts say: every envelope type,
field for field (the JSON Schemas of both are compared), and Chronicle's verdicts; so a
contract changed on the server without `scripts/docs` fails here."""

import json

import pytest
from jsonschema import Draft202012Validator

from adapters import bus
from chronicle_tools.docs.asyncapi_messages import ANSWERS, envelope_model
from chronicle_tools.docs.generate import DOCUMENTS
from services.ingest.envelope import Envelope
from services.ingest.registry import COMMANDS
from services.ingest.validation import Incoming, check
from tests.support.asyncapi import ROOT
from tests.support.producer_package import load

pytestmark = pytest.mark.unit
producer = load()
contracts = load("chronicle_producer.contracts")
client = load("chronicle_producer.client")


def sent_schema(model) -> dict:
    """A client envelope's schema as the server states it: the client fills `type` in
    itself (its default), the server requires it."""
    schema = model.model_json_schema()
    kind = schema["properties"]["type"]
    if "const" in kind:
        assert kind.pop("default") == kind["const"]
        schema["required"] = [*schema["required"], "type"]
    return _sorted(schema)


def answer_schema(model, tolerant: bool) -> dict:
    """Verdicts as the client reads them: fields a newer Chronicle adds are let through."""
    schema = model.model_json_schema()
    for one in [schema, *schema.get("$defs", {}).values()]:
        if tolerant:
            assert one.pop("additionalProperties") is False
    return _sorted(schema)


def _sorted(schema: dict) -> dict:
    for one in [schema, *schema.get("$defs", {}).values()]:
        if "required" in one:
            one["required"] = sorted(one["required"])
    return schema


def drift(type_: str, model) -> dict:
    return {
        "server": _sorted(envelope_model(COMMANDS[type_]).model_json_schema()),
        "client": sent_schema(model),
    }


def test_every_envelope_type_is_in_the_package_and_nothing_else():
    assert list(producer.ENVELOPES) == list(COMMANDS)


@pytest.mark.parametrize("type_", list(COMMANDS))
def test_each_envelope_model_is_the_servers_field_for_field(type_):
    found = drift(type_, producer.ENVELOPES[type_])
    assert found["client"] == found["server"]


@pytest.mark.parametrize("type_", list(COMMANDS))
def test_each_envelope_fills_in_what_the_server_would(type_):
    """Defaults made by a factory (`[]`, `{}`) are not in a schema: compared here."""
    mine = producer.ENVELOPES[type_]
    pairs = [
        (envelope_model(COMMANDS[type_]), mine),
        (Envelope, producer.Envelope),
        (COMMANDS[type_].data_model, mine.model_fields["data"].annotation),
    ]
    for server, client_model in pairs:
        for name, field in server.model_fields.items():
            ours = client_model.model_fields[name]
            if name == "type" or field.is_required():
                continue
            assert ours.get_default(call_default_factory=True) == field.get_default(
                call_default_factory=True
            ), f"{client_model.__name__}.{name}"


def test_the_generic_envelope_and_the_verdicts_are_the_servers():
    assert _sorted(producer.Envelope.model_json_schema()) == _sorted(Envelope.model_json_schema())
    for server in ANSWERS:
        mine = getattr(contracts, server.__name__)
        assert answer_schema(server, tolerant=True) == answer_schema(mine, tolerant=False)


def test_a_field_the_server_does_not_have_is_drift():
    class Drifted(producer.ENVELOPES["contact.added"]):
        team_name: str | None = None

    found = drift("contact.added", Drifted)
    assert found["client"] != found["server"]
    assert set(found["client"]["properties"]) - set(found["server"]["properties"]) == {"team_name"}


@pytest.mark.parametrize("type_", list(COMMANDS))
def test_an_envelope_built_with_the_package_is_one_chronicle_takes(type_):
    model = producer.ENVELOPES[type_]
    typed = model(
        id=f"pkg-{type_}",
        workspace_id="ws_acme",
        occurred_at="2026-11-20T09:15:00Z",
        actor=producer.Actor(type="user", id="u_17"),
        data=COMMANDS[type_].example,
    )
    body = client._body(typed)
    schema = json.loads((ROOT / f"docs/schemas/{type_}.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(json.loads(body))) == []
    headers = client.Producer._headers(typed, None)
    assert headers == {"Nats-Msg-Id": f"pkg-{type_}"}
    verdict = check(Incoming(f"audit.ingest.ws_acme.{type_}", body, headers))
    assert getattr(verdict, "reasons", []) == []  # the server's own validation


def test_docs_schemas_hold_one_schema_per_type_and_refuse_what_chronicle_refuses():
    on_disk = {f"docs/schemas/{p.name}" for p in (ROOT / "docs/schemas").iterdir()}
    assert on_disk == {name for name in DOCUMENTS if name.startswith("docs/schemas/")}
    assert len(on_disk) == len(COMMANDS)
    schema = json.loads((ROOT / "docs/schemas/contact.added.json").read_text())
    bad = {"id": "x", "type": "contact.added", "workspace_id": "ws acme", "actor": {}}
    problems = {e.message for e in Draft202012Validator(schema).iter_errors(bad)}
    assert "'occurred_at' is a required property" in problems
    assert any("does not match" in p for p in problems)  # the workspace id's pattern


def test_retries_back_off_twice_as_long_each_time_up_to_a_limit():
    assert producer.Retry(attempts=6, first_delay=0.5, max_delay=3).delays() == [
        0.5,
        1.0,
        2.0,
        3,
        3,
    ]
    assert producer.Retry(attempts=1).delays() == []


def test_the_package_names_headers_as_chronicle_does():
    notices = load("chronicle_producer.notices")
    assert (client.MSG_ID, client.CORRELATION_ID) == (bus.MSG_ID, bus.CORRELATION_ID)
    assert (notices.MSG_ID, notices.ANSWERED_SUBJECT, notices.INGEST_SEQUENCE) == (
        bus.MSG_ID,
        bus.ANSWERED_SUBJECT,
        bus.INGEST_SEQUENCE,
    )
