"""The ingest envelope contract (SPEC: Ingest contract), validated with pydantic."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
)

WORKSPACE_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
TYPE_PATTERN = r"^[a-z][a-z_]{0,40}\.[a-z][a-z_]{0,40}$"
MAX_CLOCK_SKEW = timedelta(hours=24)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


_RFC3339_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")


def _time_text(value: Any) -> Any:
    """A time as the contract gives it: an RFC 3339 string (the checks of AwareDatetime
    follow). Pydantic would also take a number, or a numeric string, as Unix seconds."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339_START.match(value):
        raise ValueError("must be an RFC 3339 date-time string, e.g. 2026-11-20T09:15:00Z")
    return value


# The types the contract's schemas state, and nothing they do not: no "yes" or 1 for a
# boolean, no "3" or 3.0 for an integer, no number for a time (docs/asyncapi.json).
Moment = Annotated[AwareDatetime, BeforeValidator(_time_text)]
Count = StrictInt
Flag = StrictBool


class Strict(BaseModel):
    """Edge models refuse unknown fields, so a misspelt field is an error, not a loss,
    and text with NUL characters, which no message needs and PostgreSQL cannot store."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, frozen=True)

    @field_validator("*")
    @classmethod
    def no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        if info.context is not NUL_FREE and _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value


NUL_FREE: Any = {"nul_free": True}
"""Validation context for input already known to hold no NUL anywhere (`nul_free`)."""


def nul_free(raw_json: bytes) -> bool:
    """Whether no string in this JSON can hold a NUL: JSON must escape it as \\u0000
    (a raw NUL byte is invalid JSON, refused anyway). Checking the bytes once spares
    walking every field of every model; a false alarm only takes the walk."""
    return b"\\u0000" not in raw_json and b"\x00" not in raw_json


def nul_paths(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every place in decoded JSON where a NUL character sits, as (field path, problem):
    `data.name`, `data.emails.1`, or the path of a key that holds one."""
    found: list[tuple[str, str]] = []
    if isinstance(value, str):
        if "\x00" in value:
            found.append((path or "body", "must not contain NUL characters"))
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                found.append((inner, "the field name must not contain NUL characters"))
            found.extend(nul_paths(item, inner))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(nul_paths(item, f"{path}.{index}" if path else str(index)))
    return found


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class ActorIn(Strict):
    type: Literal["user", "customer", "system", "bot", "workflow", "assistant"]
    id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(None, max_length=500)


class Envelope(Strict):
    """What a producer publishes on `audit.ingest.<workspace>.<aggregate>.<action>`."""

    id: str = Field(min_length=1, max_length=200, description="Producer-unique idempotency key")
    type: str = Field(pattern=TYPE_PATTERN, description="`<aggregate>.<action>`")
    workspace_id: str = Field(pattern=WORKSPACE_PATTERN)
    occurred_at: Moment = Field(
        description="Producer clock: an RFC 3339 date-time with a time zone, at most 24 hours "
        "ahead of Chronicle's clock and not before 1970"
    )
    actor: ActorIn
    team_id: str | None = Field(None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def plausible_time(cls, value: datetime) -> datetime:
        value = value.astimezone(UTC)
        if value > datetime.now(UTC) + MAX_CLOCK_SKEW:
            raise ValueError("is more than 24 hours in the future")
        if value < EARLIEST:
            raise ValueError("is before 1970")
        return value
