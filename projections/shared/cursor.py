"""Opaque, authenticated keyset cursors: the sort key of a page's last row, encrypted.

A cursor is AES-GCM over the key's JSON, bound (as associated data) to the caller's
workspace and user and to the route that made it: it shows nothing (not even a value the
caller may not see, such as a hidden address that orders a page), and a cursor that was
forged, altered, or made for another caller or another query is refused (`BadCursor`,
which the API answers with 400), so a cursor cannot serve as an oracle either. The key:
CHRONICLE_API_KEY, else `api.key` in the data folder (shared by every API process on it),
made on first use.
"""

from __future__ import annotations

import base64
import contextvars
import os
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class BadCursor(ValueError):
    """A cursor no page returned to this caller for this query (the API answers 400)."""

    def __init__(self) -> None:
        super().__init__("cursor: not a cursor this API returned to this caller for this query")


_key: list[AESGCM] = []
_bound: contextvars.ContextVar[bytes] = contextvars.ContextVar("cursor_bound", default=b"")


def configure(key: bytes) -> None:
    """The key every cursor of this process is sealed with (create_app sets it)."""
    _key[:] = [AESGCM(key[:32])]


def bind(workspace_id: str, user_id: str, route: str) -> None:
    """Cursors made and taken in this request belong to this caller and route."""
    _bound.set("\x00".join((workspace_id, user_id, route)).encode())


def _cipher() -> AESGCM:
    if not _key:
        configure(os.urandom(32))  # a process that set none: cursors last its lifetime
    return _key[0]


def encode(*key: Any) -> str:
    nonce = os.urandom(12)
    sealed = _cipher().encrypt(nonce, msgspec.json.encode(key), _bound.get())
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def decode(cursor: str, types: tuple[type, ...]) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        plain = _cipher().decrypt(raw[:12], raw[12:], _bound.get())
        return tuple(msgspec.json.decode(plain, type=tuple[types]))
    except (ValueError, InvalidTag, msgspec.DecodeError, msgspec.ValidationError):
        raise BadCursor() from None
