"""Pydantic models as Python source, from their JSON Schemas: what producer.py
writes the producer package's models with. Only what the contracts use is covered (strings,
numbers, booleans, date-times, lists, unions, literals, nested models); anything else fails
loudly. Lines are laid out as `ruff format` would lay them out."""

from __future__ import annotations

import json
from typing import Any

WIDTH = 100
KEYWORDS = [  # JSON Schema's constraint -> pydantic's Field argument
    ("minLength", "min_length"),
    ("maxLength", "max_length"),
    ("pattern", "pattern"),
    ("minimum", "ge"),
    ("maximum", "le"),
    ("minItems", "min_length"),
    ("maxItems", "max_length"),
]


def _fits(lines: list[str]) -> bool:
    return all(len(line) <= WIDTH for line in lines)


def split(indent: str, head: str, inner: list[str], close: str, tail: str = "") -> list[str]:
    """`head(inner...)close` as ruff formats it: on one line, else its contents on one
    indented line, else one per line with a trailing comma."""
    one = [f"{indent}{head}{', '.join(inner)}{close}{tail}"]
    if _fits(one) or not inner:
        return one
    hugged = [f"{indent}{head}", f"{indent}    {', '.join(inner)}", f"{indent}{close}{tail}"]
    if _fits(hugged) or len(inner) == 1:
        return hugged
    return [f"{indent}{head}", *(f"{indent}    {i}," for i in inner), f"{indent}{close}{tail}"]


class Writer:
    """Writes models one by one, and names each `Literal` of three values or more once
    (`ContactAddedSource = Literal[...]`), in `alias_lines`, to go before the models."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # Literal[...] source -> its alias' name
        self.alias_lines: list[str] = []

    def annotation(self, schema: dict[str, Any], field: str) -> str:
        """The type of `field` (`Model.field`) in Python."""
        if "$ref" in schema:
            return schema["$ref"]
        if "anyOf" in schema:
            return " | ".join(self.annotation(s, field) for s in schema["anyOf"])
        if "const" in schema or "enum" in schema:
            values = [schema["const"]] if "const" in schema else schema["enum"]
            return self.literal([json.dumps(v) for v in values], field)
        kind = schema.get("type")
        if kind == "array":
            return f"list[{self.annotation(schema['items'], field)}]"
        if kind == "object":
            return "dict[str, Any]"
        if kind == "string" and schema.get("format") == "date-time":
            return "AwareDatetime"
        simple = {"string": "str", "integer": "int", "boolean": "bool", "number": "float"}
        return {**simple, "null": "None"}[kind]

    def literal(self, values: list[str], field: str) -> str:
        source = f"Literal[{', '.join(values)}]"
        if len(values) < 3:
            return source
        if source not in self.aliases:
            name = "".join(p[:1].upper() + p[1:] for p in field.replace(".", "_").split("_"))
            self.aliases[source] = name
            self.alias_lines += split("", f"{name} = Literal[", values, "]")
        return self.aliases[source]

    def field(self, model: str, name: str, schema: dict[str, Any], required: bool) -> list[str]:
        args, default = [], None
        if not required and "default" in schema:
            value = schema["default"]
            default = json.dumps(value) if isinstance(value, str) else repr(value)
            args.append(default)
        elif not required:  # a default made by a factory: pydantic leaves it out
            args.append("default_factory=" + {"array": "list", "object": "dict"}[schema["type"]])
        constrained = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
        target = constrained[0] if len(constrained) == 1 else {}
        args += [
            f"{keyword}={json.dumps(target[key])}" for key, keyword in KEYWORDS if key in target
        ]
        if schema.get("title", name.replace("_", " ").title()) != name.replace("_", " ").title():
            args.append(f"title={json.dumps(schema['title'])}")
        if "description" in schema:
            args.append(f"description={json.dumps(schema['description'], ensure_ascii=False)}")
        head = f"{name}: {self.annotation(schema, f'{model}.{name}')}"
        if default is not None and args == [default]:
            return [f"    {head} = {default}"]
        if not args:
            return [f"    {head}"]
        return split("    ", f"{head} = Field(", args, ")")

    def model(self, name: str, schema: dict[str, Any], base: str) -> list[str]:
        lines = ["", "", f"class {name}({base}):"]
        if "description" in schema:
            text = schema["description"].replace("\\", "\\\\").replace('"""', '\\"""')
            lines += [f'    """{text.replace(chr(10), chr(10) + "    ")}"""', ""]
        required = set(schema.get("required", []))
        for field, prop in schema["properties"].items():
            lines += self.field(name, field, prop, field in required)
        return lines
