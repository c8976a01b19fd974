"""Check messages against docs/asyncapi.json as a user of the document would: the subject
against a channel's address and its parameters, the body and the headers against the
message's schemas, every `$ref` resolved inside the document."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parents[2]
URI = "urn:chronicle:asyncapi"  # the document's own base, so its "#/…" refs resolve in it


@dataclass(frozen=True)
class Captured:
    subject: str
    headers: dict[str, str]
    data: bytes

    @classmethod
    def of(cls, msg: Any) -> Captured:
        return cls(msg.subject, dict(msg.headers or {}), msg.data)


class Contract:
    def __init__(self, document: dict[str, Any] | None = None) -> None:
        self.doc = document or json.loads((ROOT / "docs/asyncapi.json").read_text())
        resource = Resource.from_contents(self.doc, default_specification=DRAFT7)
        self.registry = Registry().with_resource(URI, resource)

    def problems(self, pointer: str, value: Any) -> list[str]:
        """What is wrong with `value` under the schema at `pointer` in the document."""
        validator = Draft7Validator({"$ref": f"{URI}#{pointer}"}, registry=self.registry)
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in validator.iter_errors(value)
        ]

    def message_problems(self, message_id: str, captured: Captured) -> list[str]:
        """The captured body (JSON) and headers against a message of components/messages."""
        where = f"/components/messages/{message_id}"
        try:
            payload = json.loads(captured.data)
        except ValueError:
            return ["payload: not JSON"]
        return [f"payload {p}" for p in self.problems(f"{where}/payload", payload)] + [
            f"headers {p}" for p in self.problems(f"{where}/headers", captured.headers)
        ]

    def channels_of(self, subject: str) -> list[tuple[str, dict[str, str]]]:
        """Each channel whose address, parameters satisfied, the subject is."""
        found = []
        for name, channel in self.doc["channels"].items():
            if not channel.get("address"):
                continue
            parameters = channel.get("parameters", {})
            match = re.fullmatch(_address_pattern(channel["address"]), subject)
            if match and all(_fits(parameters[k], v) for k, v in match.groupdict().items()):
                found.append((name, match.groupdict()))
        return found

    def channel_of(self, subject: str) -> tuple[str, dict[str, str]]:
        found = self.channels_of(subject)
        assert len(found) == 1, f"{subject} is on {len(found)} channels: {found}"
        return found[0]

    def misplaced(self, channel: str, parameters: dict[str, str], captured: Captured) -> list:
        """Parameters whose value the document locates in the body but the body disagrees:
        `workspace_id` at `$message.payload#/workspace_id`, say."""
        payload = json.loads(captured.data)
        wrong = []
        for name, value in parameters.items():
            location = self.doc["channels"][channel]["parameters"][name].get("location", "")
            if location.startswith("$message.payload#/"):
                found = payload
                for key in location.removeprefix("$message.payload#/").split("/"):
                    found = found.get(key) if isinstance(found, dict) else None
                if found != value:
                    wrong.append(f"{name}: {value!r} on the subject, {found!r} at {location}")
        return wrong

    def messages_of(self, channel: str) -> list[str]:
        refs = self.doc["channels"][channel]["messages"].values()
        return [r["$ref"].rsplit("/", 1)[1] for r in refs]


def _address_pattern(address: str) -> str:
    parts = re.split(r"\{(\w+)\}", address)  # literal, name, literal, name, ...
    return "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^.]+)" for i, part in enumerate(parts)
    )


def _fits(parameter: dict[str, Any], value: str) -> bool:
    if "enum" in parameter and value not in parameter["enum"]:
        return False
    pattern = parameter.get("x-pattern")
    return not pattern or re.search(pattern, value) is not None
