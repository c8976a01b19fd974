"""Documents generated from the code are committed as generated."""

from pathlib import Path

import pytest

from chronicle_tools.docs.generate import DOCUMENTS

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_committed_document_matches_the_code(name):
    committed = (ROOT / name).read_text()
    assert committed == DOCUMENTS[name](), f"{name} is stale: run `scripts/docs`"


def test_the_event_catalogue_documents_every_type_and_rule():
    text = DOCUMENTS["docs/events.md"]()
    from services.ingest.registry import COMMANDS

    for type_ in COMMANDS:
        assert f"## {type_}\n" in text
    assert "`conversation.reopen_requires_resolved`" in text
    assert "`contact.merge_into_self` | a contact cannot be merged into itself |" in text


def test_every_api_parameter_is_described():
    import json

    spec = json.loads(DOCUMENTS["docs/openapi.json"]())
    undescribed = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert undescribed == []
    assert all(op.get("summary") for ops in spec["paths"].values() for op in ops.values())


def test_every_setting_is_described_in_running_md():
    from adapters.settings import Settings

    text = DOCUMENTS["docs/running.md"]()
    for name, field in Settings.model_fields.items():
        assert field.description, f"Settings.{name} has no description"
        assert f"| `CHRONICLE_{name.upper()}` |" in text


def test_the_asyncapi_document_has_a_channel_for_every_envelope_type():
    import json

    from services.ingest.registry import COMMANDS

    spec = json.loads(DOCUMENTS["docs/asyncapi.json"]())
    addresses = {c["address"] for c in spec["channels"].values()}
    assert spec["asyncapi"] == "3.0.0"
    for type_ in COMMANDS:
        assert f"audit.ingest.{{workspace_id}}.{type_}" in addresses
    assert {
        "audit.rejected.{workspace_id}",
        "audit.request.{workspace_id}.{aggregate}.{action}",
    } < addresses
    payload = spec["components"]["messages"]["ContactAddedEnvelope"]["payload"]
    schema = spec["components"]["schemas"][payload["$ref"].rsplit("/", 1)[1]]
    assert schema["properties"]["type"]["const"] == "contact.added"
    assert "data" in schema["required"]


def test_every_contract_model_has_a_name_of_its_own():
    """Schema documents name models by class name: two models sharing one would make one
    silently replace the other, depending on which was generated first."""
    import typing

    from pydantic import BaseModel

    from services.ingest.registry import COMMANDS

    seen: dict[str, type] = {}
    pending = [c.data_model for c in COMMANDS.values()]
    while pending:
        model = pending.pop()
        if seen.setdefault(model.__name__, model) is not model:
            raise AssertionError(f"two contract models are named {model.__name__}")
        for field in model.model_fields.values():
            stack = [field.annotation]
            while stack:
                t = stack.pop()
                stack.extend(typing.get_args(t))
                if isinstance(t, type) and issubclass(t, BaseModel) and t not in seen.values():
                    pending.append(t)


def test_every_endpoint_a_read_model_names_exists_and_every_read_endpoint_is_named():
    import json

    from chronicle_tools.docs.read_models import endpoints
    from projections.registry import PROJECTIONS

    spec = json.loads(DOCUMENTS["docs/openapi.json"]())
    served = {f"{m.upper()} {path}" for path, ops in spec["paths"].items() for m in ops}
    named = [e for model in PROJECTIONS.values() for e in endpoints(model)]
    assert sorted(set(named) - served) == []
    # what the API serves that no read model names: its own, the event store's, and the
    # connected mailboxes (configuration, not a read model of events)
    mailboxes = {
        "GET /v1/mailboxes",
        "GET /v1/mailboxes/{mailbox_id}",
        "POST /v1/mailboxes/{mailbox_id}/gmail/consent",
        "GET /v1/gmail/consent/callback",
    }
    rest = {
        e
        for e in served - set(named)
        if not e.split()[1].startswith(("/v1/audit/", "/health", "/livez", "/readyz"))
    }
    assert rest == mailboxes


def test_every_paged_answer_has_has_more_and_links_next():
    import json

    schemas = json.loads((ROOT / "docs/openapi.json").read_text())["components"]["schemas"]
    paged = [
        name
        for name, schema in schemas.items()
        if {"next_cursor", "next_after"} & set(schema.get("properties", {}))
    ]
    assert len(paged) >= 10
    for name in paged:
        assert {"has_more", "links"} <= set(schemas[name]["properties"]), name
