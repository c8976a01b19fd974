"""Documents generated from the code, so they cannot drift: `scripts/docs` writes them,
and a test fails when a committed copy differs from what the code says."""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import operator
import types
import typing
from pathlib import Path
from typing import Any

import domain
from adapters.settings import Settings
from chronicle_tools import REPO
from chronicle_tools.docs import asyncapi
from chronicle_tools.docs.producer import producer_models
from chronicle_tools.docs.read_models import read_models_markdown
from chronicle_tools.docs.schemas import schema_documents
from domain.catalogue import event_classes
from domain.shared import RuleViolation
from domain.upcasters import UPCASTERS as DOMAIN_UPCASTERS
from services.api.app import create_app
from services.ingest import story
from services.ingest.dry_run import Workspace
from services.ingest.registry import COMMANDS, Command

ENVELOPE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic", "meta"}


def _plain(annotation: Any) -> Any:
    """The annotation without Annotated's metadata (Moment, Count, Flag: their checks are
    not their type)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return functools.reduce(operator.or_, map(_plain, typing.get_args(annotation)))
    return annotation


def _type_name(annotation: Any) -> str:
    annotation = _plain(annotation)
    text = str(annotation).replace("typing.", "").replace("NoneType", "None")
    text = text.replace(" | ", " or ")
    for module in (
        "domain.conversation.values.",
        "domain.email_values.",
        "domain.activity.",
        "domain.contact.",
        "datetime.",
        "<class '",
        "'>",
    ):
        text = text.replace(module, "")
    return text


def _fields_table(command: Command) -> list[str]:
    schema = command.data_model.model_json_schema()
    required = set(schema.get("required", []))
    lines = ["| field | type | required | notes |", "| --- | --- | --- | --- |"]
    for name, field in command.data_model.model_fields.items():
        prop = schema["properties"].get(name, {})
        notes = field.description or prop.get("description") or ""
        if "enum" in prop:
            notes = (notes + " one of: " + ", ".join(map(str, prop["enum"]))).strip()
        lines.append(
            f"| `{name}` | {_type_name(field.annotation)} | "
            f"{'yes' if name in required else 'no'} | {notes} |"
        )
    return lines


def _story() -> list[tuple[Command, list[tuple[dict[str, Any], list[str]]]]]:
    """Each type's story steps as envelopes, with the wire names each recorded when the
    whole story ran in order through the real handlers (services/ingest/story.py)."""
    workspace, step, out = Workspace(), 0, []
    for type_, steps in story.sections():
        shown = []
        for data in steps:
            step += 1
            try:
                recorded = [type(e).TOPIC for e in workspace.tell(type_, data)]
            except RuleViolation as e:
                raise ValueError(f"the story breaks at step {step} ({type_}): {e}") from e
            if not recorded:
                raise ValueError(f"step {step} of the story ({type_}) records nothing")
            envelope = {
                "id": f"story-{step:02d}",
                "type": type_,
                "workspace_id": "ws_acme",
                "occurred_at": "2026-11-20T09:15:00Z",
                "actor": {"type": "user", "id": "u_17", "name": "Dana"},
                "data": data,
            }
            shown.append((envelope, recorded))
        out.append((COMMANDS[type_], shown))
    return out


REPEATS = [
    "## Repeated messages",
    "",
    "A `message_id` names one message of a conversation. What happens when an envelope "
    "(with an envelope id of its own) names a message the conversation already has:",
    "",
    "| type | same direction (a repeat) | the other direction |",
    "| --- | --- | --- |",
    "| `conversation.message_received`, `conversation.message_sent` | nothing new: "
    "accepted, `events: 0` | rejected, `conversation.message_id_taken` |",
    "| `conversation.replied_and_archived` | the reply is not recorded again; the archive it "
    "asks for is recorded as `conversation.archived.v1` unless the conversation is archived "
    "already (then `events: 0`) | rejected, `conversation.message_id_taken` |",
    "| `conversation.replied_and_reopened` | the reply is not recorded again; the reopening "
    "it asks for is recorded as `conversation.reopened.v1` unless the conversation is open "
    "(then `events: 0`) | rejected, `conversation.message_id_taken` |",
    "",
    "A reply counts as a sent message. Messages a merge brought into a conversation may be "
    "told again in either direction (the merge kept their ids, not their direction). The "
    "repeat of a whole envelope (the same envelope id) is answered `duplicate` "
    "(docs/producers.md).",
]


def _rules() -> list[tuple[str, str]]:
    """Every named rule in the domain, found in the source: rule(cond, "name", "text"...)."""
    found = []
    for path in sorted(Path(domain.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") in ("rule", "_rule")
                and len(node.args) >= 3
                and isinstance(node.args[1], ast.Constant)
            ):
                found.append((node.args[1].value, _template(node.args[2])))
    for aggregate in ("activity", "contact", "conversation", "email"):  # by the unit of work
        found.append((f"{aggregate}.exists", f"the {aggregate} it refers to was never created"))
    found += [  # raised by the email handlers, about the raw message
        ("email.raw_base64", "`data.raw` is not base64"),
        ("email.unparseable", "no header fields, or no sender address (docs/email.md)"),
    ]
    return sorted(set(found))


def _template(node: ast.expr) -> str:
    """The message of a rule as written, its placeholders kept: `note {note_id!r} ...`."""
    text = ast.unparse(node)
    if text[:1] == "f" and text[1:2] in "'\"":
        text = text[1:]
    return text[1:-1] if text[:1] in "'\"" else text


def events_markdown() -> str:
    out = [
        "# Event catalogue",
        "",
        "Generated by `scripts/docs` from `services/ingest/registry.py` and the domain; "
        "do not edit (a test compares this file with the code).",
        "",
        "Producers publish envelopes on `audit.ingest.<workspace_id>.<type>` with header "
        "`Nats-Msg-Id` = the envelope id (see docs/producers.md). Each envelope type below "
        "is a **fact** (recorded whenever it happened, even late or out of order; checked "
        "only for what it refers to: the conversation, the message) or a **command** "
        "(validated against the current state: it can break a named rule and be rejected, "
        "or repeat what is already so and record nothing). Rejected messages are kept "
        "with the rule's name (`ingest_rejects`).",
        "",
        "| type | kind | summary |",
        "| --- | --- | --- |",
    ]
    told = _story()
    for c, _ in told:
        out.append(f"| [`{c.type}`](#{c.type.replace('.', '')}) | {c.kind} | {c.summary} |")
    out += [
        "",
        "The examples below form **one story**: published in document order into an empty "
        "workspace (each with an envelope id of its own), every one is accepted and records "
        "exactly the events its *Records* line names (`tests/e2e/test_events_story.py` "
        "publishes them from this document).",
    ]
    for c, steps in told:
        out += [
            "",
            f"## {c.type}",
            "",
            c.summary + ".",
            "",
            f"- subject: `audit.ingest.<workspace_id>.{c.type}`",
            f"- kind: {c.kind}",
            "",
            *_fields_table(c),
        ]
        for envelope, recorded in steps:
            out += [
                "",
                "Records: " + ", ".join(f"`{w}`" for w in recorded),
                "",
                "```json",
                json.dumps(envelope, indent=2),
                "```",
            ]
    out += ["", *REPEATS]
    out += ["", "## Rules", "", "| rule | when it is broken |", "| --- | --- |"]
    out += [f"| `{name}` | {text} |" for name, text in _rules()]
    out += [
        "",
        "## Stored events",
        "",
        "Every stored event also carries `meta` (workspace_id, actor {type, id, name}, "
        "team_id, occurred_at, envelope_id, correlation_id, subjects) and `timestamp` "
        "(recorded at). Wire names are versioned and never change; a new shape gets a new "
        "version and an upcaster (docs/auditing.md).",
        "",
        "Personal data is stored sealed with its data subjects' keys and reads as "
        "`[erased]` once they are destroyed (docs/auditing.md, Erasure): the values at the "
        "paths below, and `meta.actor.name` when the actor is a customer. Paths marked "
        "(by address) belong to the email address beside them.",
        "",
        "| wire name | fields | personal data |",
        "| --- | --- | --- |",
    ]
    for wire, cls in sorted(event_classes().items()):
        hints = typing.get_type_hints(cls)
        fields = [
            f"`{f.name}`: {_type_name(hints[f.name])}"
            for f in dataclasses.fields(cls)
            if f.name not in ENVELOPE_FIELDS
        ]
        personal = [f"`{p}`" for p in getattr(cls, "PERSONAL", ())]
        personal += [f"`{p}` (by address)" for p in getattr(cls, "PERSONAL_BY_ADDRESS", ())]
        out.append(f"| `{wire}` | {'; '.join(fields)} | {', '.join(personal) or 'none'} |")
    out += [
        "",
        "## Older wire names",
        "",
        "Stored under an older version and read as the current one by an upcaster "
        "(`domain/upcasters.py`); the stored rows are never rewritten.",
        "",
        "| stored as | read as | how |",
        "| --- | --- | --- |",
    ]
    for old, upcaster in sorted(DOMAIN_UPCASTERS.items()):
        name, version = old.rsplit(".v", 1)  # an upcaster goes one version up
        how = " ".join((upcaster.__doc__ or "").split())
        out.append(f"| `{old}` | `{name}.v{int(version) + 1}` | {how} |")
    return "\n".join(out) + "\n"


def openapi_json() -> str:
    return json.dumps(create_app(Settings()).openapi(), indent=2, sort_keys=True) + "\n"


def asyncapi_json() -> str:
    return asyncapi.asyncapi_json()


SETTINGS_BEGIN = "<!-- settings: generated by `scripts/docs` from adapters/settings.py -->"
SETTINGS_END = "<!-- end of settings -->"


def _default(value: Any) -> str:
    if value is None:
        return "(unset)"
    return f"`{value}`"


def settings_table() -> str:
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        text = (field.description or "").replace("|", "\\|")
        default = "(computed)" if field.default_factory else _default(field.default)
        lines.append(f"| `CHRONICLE_{name.upper()}` | {default} | {text} |")
    return "\n".join(lines)


def running_markdown() -> str:
    """docs/running.md as written, with its settings table regenerated from Settings."""
    text = (REPO / "docs/running.md").read_text()
    head, rest = text.split(SETTINGS_BEGIN, 1)
    _, tail = rest.split(SETTINGS_END, 1)
    return f"{head}{SETTINGS_BEGIN}\n{settings_table()}\n{SETTINGS_END}{tail}"


DOCUMENTS = {
    "docs/events.md": events_markdown,
    "docs/read-models.md": read_models_markdown,
    "docs/openapi.json": openapi_json,
    "docs/asyncapi.json": asyncapi_json,
    "docs/running.md": running_markdown,
    **schema_documents(),
    "clients/python/chronicle_producer/contracts.py": producer_models,
}


def write_all(root: Path) -> list[Path]:
    written = []
    for name, render in DOCUMENTS.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render())
        written.append(path)
    return written
