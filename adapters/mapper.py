"""Encode domain events with msgspec under their stable wire names, and decode them back.

The wire name is the event class's explicit `TOPIC` (e.g. `conversation.reassigned.v1`),
so stored events never depend on Python module paths. Decoding is typed: each event class
gets a msgspec decoder for its fields, so datetimes, UUIDs and nested values come back
exactly as they were stored.

Personal values are sealed on the way in with their subjects' keys (adapters/sealing.py)
and opened on the way out, before upcasting and typed decoding: with a key destroyed,
they read as erased. Events without personal data take the same path as before.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

import domain.catalogue  # noqa: F401  (registers every wire name before anything decodes)
from adapters.keys import Keyring, Keys, KeysNotLoaded
from adapters.sealing import MARK_BYTES, Plan, Sealer, associated, key_ids, open_state
from domain.upcasters import UPCASTERS as DOMAIN_UPCASTERS

_POSITIONAL = ("originator_id", "originator_version")

Upcaster = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]
"""Turns the decoded state of an old wire name into (newer wire name, newer state)."""

UPCASTERS: dict[str, Upcaster] = dict(DOMAIN_UPCASTERS)  # the catalogue's old wire names


def register_upcaster(old_wire_name: str, upcaster: Upcaster) -> None:
    """Old stored events of `old_wire_name` are decoded through `upcaster` from now on."""
    UPCASTERS[old_wire_name] = upcaster


def _upcast(wire_name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    try:
        return UPCASTERS[wire_name](state)
    except Exception as e:  # a stored event the upcaster cannot read is a decoding failure
        raise msgspec.ValidationError(f"upcasting {wire_name} failed: {e!r}") from e


class _Codec:
    """The msgspec decoder of one event class's stored fields."""

    def __init__(self, event_class: type) -> None:
        hints = typing.get_type_hints(event_class)
        fields = [
            (f.name, hints[f.name])
            for f in dataclasses.fields(event_class)
            if f.name not in _POSITIONAL
        ]
        self.state_type = dataclasses.make_dataclass(f"{event_class.__name__}State", fields)
        self.decoder = msgspec.json.Decoder(self.state_type)
        self.names = [name for name, _ in fields]

    def decode(self, data: bytes) -> dict[str, Any]:
        return vars(self.decoder.decode(data))

    def convert(self, state: dict[str, Any]) -> dict[str, Any]:
        return vars(msgspec.convert(state, self.state_type))


class NullTranscoder(Transcoder):
    """The mapper encodes by itself; eventsourcing still wants a transcoder object."""

    def encode(self, obj: Any) -> bytes:
        return msgspec.json.encode(obj)

    def decode(self, data: bytes) -> Any:
        return msgspec.json.decode(data)


class MsgspecMapper(Mapper):
    """eventsourcing Mapper using msgspec JSON and explicit wire names.

    `keyring` seals personal values when encoding (a mapper without one refuses to encode
    them) and reads keys for decoding when the caller passes none."""

    def __init__(self, keyring: Keyring | None = None) -> None:
        super().__init__(transcoder=NullTranscoder())
        self._encoder = msgspec.json.Encoder()
        self._codecs: dict[str, _Codec] = {}
        self.keyring = keyring
        self.sealer = Sealer()

    def codec(self, wire_name: str) -> tuple[type, _Codec]:
        event_class = resolve_topic(wire_name)
        codec = self._codecs.get(wire_name)
        if codec is None:
            codec = self._codecs[wire_name] = _Codec(event_class)
        return event_class, codec

    def _plan(self, domain_event: DomainEventProtocol) -> tuple:
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        plan = self.sealer.plan(type(domain_event), state)
        if plan is not None and self.keyring is None:
            raise RuntimeError(f"{type(domain_event).TOPIC} holds personal data: no keyring")
        return domain_event, originator_id, originator_version, state, plan

    def _stored(self, planned: tuple) -> StoredEvent:
        domain_event, originator_id, originator_version, state, plan = planned
        if plan is not None:
            aad = associated(originator_id, originator_version)
            state = self.sealer.seal(plan, self.keyring, aad)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=self._encoder.encode(state),
        )

    def to_stored_event(self, domain_event: DomainEventProtocol) -> StoredEvent:
        return self.to_stored_events([domain_event])[0]

    def to_stored_events(self, domain_events: Sequence[DomainEventProtocol]) -> list[StoredEvent]:
        """Encode a batch: the keys of all its subjects are made sure of at once."""
        planned = [self._plan(e) for e in domain_events]
        plans: list[Plan] = [p[-1] for p in planned if p[-1] is not None]
        if plans:
            self.keyring.ensure(set().union(*(p.needs() for p in plans)))
        return [self._stored(p) for p in planned]

    def to_domain_event(
        self, stored_event: StoredEvent, keys: Keys | None = None
    ) -> DomainEventProtocol:
        """Decode, opening sealed values with `keys` (read now through the keyring when
        not given)."""
        state_bytes = stored_event.state
        if MARK_BYTES in state_bytes:
            if keys is None:
                if self.keyring is None:
                    raise KeysNotLoaded(f"{stored_event.topic} has sealed values: no keys")
                keys = self.keyring.keys(key_ids(state_bytes))
            aad = associated(stored_event.originator_id, stored_event.originator_version)
            state_bytes = open_state(state_bytes, aad, keys)
        wire_name = stored_event.topic
        try:
            if wire_name in UPCASTERS:
                state = msgspec.json.decode(state_bytes)
                while wire_name in UPCASTERS:
                    wire_name, state = _upcast(wire_name, state)
                event_class, codec = self.codec(wire_name)
                event_state = codec.convert(state)
            else:
                event_class, codec = self.codec(wire_name)
                event_state = codec.decode(state_bytes)
        except (msgspec.DecodeError, msgspec.ValidationError) as e:
            msg = (
                f"cannot decode stored event {stored_event.originator_id}"
                f"@{stored_event.originator_version} ({stored_event.topic}): {e}"
            )
            raise MapperDeserialisationError(msg) from e
        event_state["originator_id"] = stored_event.originator_id
        event_state["originator_version"] = stored_event.originator_version
        domain_event = object.__new__(event_class)
        object.__setattr__(domain_event, "__dict__", event_state)
        return domain_event
