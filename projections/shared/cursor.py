"""Opaque keyset cursors: the sort key of the last row of a page."""

from __future__ import annotations

import base64
from typing import Any

import msgspec


class BadCursor(ValueError):
    """A cursor no page returned (the API answers 400)."""

    def __init__(self) -> None:
        super().__init__("cursor: not a cursor this API returned")


def encode(*key: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode().rstrip("=")


def decode(cursor: str, types: tuple[type, ...]) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return tuple(msgspec.json.decode(raw, type=tuple[types]))
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise BadCursor() from None
