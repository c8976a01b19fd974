"""Seal an event's personal values with its subjects' keys, and open them again.

A sealed value is a JSON string in place of the plain one, `"§e1:<key ids>:<base64>"`
(base64 of a random 12-byte nonce and the AES-GCM ciphertext of the UTF-8 text, bound to
the event's aggregate id and version), so a stored event keeps its shape and types and
every reader decodes it as before. Only strings are sealed (a tuple of strings: each
element), so an erased value is always the string `ERASED`, of the right type anywhere.

Which values, and whose, the event class says (domain/personal.py): `PERSONAL` values
under all the event's subjects at once (its `meta.subjects`, and the addresses it names),
`PERSONAL_BY_ADDRESS` values each under the subject of its own address.

Opening works on the stored bytes: each sealed string is replaced by its plain text (or
by `ERASED` when one of its keys is gone) before the usual typed decoding. A sealed
string is only ever a whole JSON value, never part of one.
"""

from __future__ import annotations

import binascii
import os
import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import msgspec
from cryptography.exceptions import InvalidTag

from adapters.keys import Keyring, Keys
from domain import personal

MARK = "\u00a7e1:"
MARK_BYTES = MARK.encode()
_OPENING = b'"' + MARK_BYTES  # a JSON string value that is a sealed value
_KEY_IDS = re.compile(rb"\xc2\xa7e1:([0-9]+(?:\.[0-9]+)*):")
_IDS_TEXT = re.compile(rb"[0-9]+(?:\.[0-9]+)*")
_BASE64 = re.compile(rb"[A-Za-z0-9+/=]*")
_ERASED_JSON = msgspec.json.encode(personal.ERASED)
_json = msgspec.json.encode


def associated(originator_id: UUID, version: int) -> bytes:
    """What a sealed value is bound to: it opens only in the event it was sealed in."""
    return originator_id.bytes + version.to_bytes(8, "big")


def key_ids(state: bytes) -> set[int]:
    """The ids of the keys a stored event's sealed values use."""
    if MARK_BYTES not in state:
        return set()
    return {int(i) for m in _KEY_IDS.finditer(state) for i in m.group(1).split(b".")}


def open_state(state: bytes, aad: bytes, keys: Keys) -> bytes:
    """The stored JSON with every sealed value replaced by its plain text, or by ERASED."""
    start = state.find(_OPENING)
    parts, done = [], 0
    while start >= 0:
        colon = state.find(b":", start + len(_OPENING))
        end = state.find(b'"', colon + 1)
        if colon < 0 or end < 0:
            break
        # A whole JSON value (after ':' '[' ','; inside a string '"' is escaped) of key ids
        # and base64 (so `end` is its closing quote): else a producer's text that only
        # looks like one, left as it is.
        ids, payload = state[start + len(_OPENING) : colon], state[colon + 1 : end]
        if state[start - 1] in b":,[" and _IDS_TEXT.fullmatch(ids) and _BASE64.fullmatch(payload):
            sealed = state[start : end + 1]
            parts += (state[done:start], _open(keys.cipher(ids.decode()), sealed, aad))
            done = end + 1
        start = state.find(_OPENING, start + 1)
    return b"".join([*parts, state[done:]]) if parts else state


def _open(cipher: Any, sealed: bytes, aad: bytes) -> bytes:
    """The JSON of a sealed string's plain text (`sealed`: the JSON string as stored)."""
    if cipher is None:
        return _ERASED_JSON
    try:
        raw = binascii.a2b_base64(sealed[sealed.rindex(b":") + 1 : -1])
        return _json(cipher.decrypt(raw[:12], raw[12:], aad).decode())
    except (InvalidTag, ValueError):  # not sealed by Chronicle for this event: as stored
        return sealed


def _paths(paths: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split(".")) for p in paths)


def _collect(value: Any, parts: tuple[str, ...], out: list) -> None:
    """(container, key) of every string at `parts` below `value` (a tuple reached on the
    way, or at the end, gives each of its elements)."""
    level = [value]
    last = len(parts) - 1
    for depth, part in enumerate(parts):
        below = []
        for container in level:
            if type(container) is not dict:
                continue
            found = container.get(part)
            if found is None:
                continue
            if type(found) is tuple:  # to_builtins keeps tuples: made lists, to write into
                found = container[part] = list(found)
            if depth < last:
                below += found if type(found) is list else [found]
            elif type(found) is str:
                out.append((container, part))
            elif type(found) is list:
                out.extend((found, i) for i, x in enumerate(found) if type(x) is str)
        level = below


@dataclass
class Plan:
    """One event's state as JSON values, with where its personal values are and whose."""

    state: dict[str, Any]
    workspace_id: str
    shared: list[tuple[Any, Any]] = field(default_factory=list)
    owned: list[tuple[Any, Any, str]] = field(default_factory=list)  # and the owner
    subjects: list[str] = field(default_factory=list)  # of the shared values

    def needs(self) -> set[tuple[str, str]]:
        wanted = set(self.subjects) if self.shared else set()
        wanted.update(owner for _, _, owner in self.owned)
        return {(self.workspace_id, s) for s in wanted}


class Sealer:
    """Plans and seals the events of every class that declares personal data."""

    def __init__(self) -> None:
        self._classes: dict[type, tuple[tuple, tuple]] = {}

    def paths(self, event_class: type) -> tuple[tuple, tuple]:
        found = self._classes.get(event_class)
        if found is None:
            shared = _paths(getattr(event_class, "PERSONAL", ()))
            owned = _paths(getattr(event_class, "PERSONAL_BY_ADDRESS", ()))
            found = self._classes[event_class] = (shared, owned)
        return found

    def plan(self, event_class: type, state: dict[str, Any]) -> Plan | None:
        """What to seal in `state` (the event's fields), or None: nothing personal."""
        shared_paths, owned_paths = self.paths(event_class)
        actor = state["meta"].actor
        if not (shared_paths or owned_paths or actor.type in personal.CUSTOMER_ACTORS):
            return None
        values = msgspec.to_builtins(state)
        meta = values["meta"]
        plan = Plan(values, meta["workspace_id"])
        for parts in shared_paths:
            _collect(values, parts, plan.shared)
        slots: list = []
        for parts in owned_paths:
            _collect(values, parts, slots)
        for container, key in slots:  # owners read before anything is sealed
            address = container.get("address") if isinstance(container, dict) else None
            owner = personal.address(address if isinstance(address, str) else container[key])
            plan.owned.append((container, key, owner))
        if actor.type in personal.CUSTOMER_ACTORS and actor.name is not None:
            plan.shared.append((meta["actor"], "name"))
        subjects = dict.fromkeys(meta.get("subjects") or ())
        subjects.update(dict.fromkeys(owner for _, _, owner in plan.owned))
        if plan.shared and not subjects:
            if not (shared_paths or owned_paths):  # only the customer's name: theirs
                subjects = {personal.contact(actor.id): None}
            else:
                raise ValueError(f"{event_class.TOPIC} holds personal data but names no subject")
        plan.subjects = list(subjects)
        return plan if plan.shared or plan.owned else None

    def seal(self, plan: Plan, keyring: Keyring, aad: bytes) -> dict[str, Any]:
        ws = plan.workspace_id
        if plan.shared:
            ids = sorted({keyring.key_id((ws, s)) for s in plan.subjects})
            text, cipher = keyring.cipher(ids)
            nonces = os.urandom(12 * len(plan.shared))
            for n, (container, key) in enumerate(plan.shared):
                container[key] = _seal(
                    cipher, text, nonces[12 * n : 12 * n + 12], container[key], aad
                )
        for container, key, owner in plan.owned:
            text, cipher = keyring.cipher([keyring.key_id((ws, owner))])
            container[key] = _seal(cipher, text, os.urandom(12), container[key], aad)
        return plan.state


def _seal(cipher: Any, ids: str, nonce: bytes, text: str, aad: bytes) -> str:
    sealed = cipher.encrypt(nonce, text.encode(), aad)
    return f"{MARK}{ids}:{binascii.b2a_base64(nonce + sealed, newline=False).decode()}"
