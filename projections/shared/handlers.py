"""Handlers registered by event class: what a read model reads, and what each event does.

    class Conversations(Model):
        @handles(Conversation.Reassigned, Conversation.ChatbotHandedOver)
        def owner_changed(self, batch: Batch, r: Recorded) -> None: ...

`apply` makes the batch's state (`begin`), hands every event, in log order, to the
handlers of its class (in the order the class body defines them), and writes the state
(`end`): handlers add to the batch, the batch writes in bulk once. A handler that must
run a statement as it comes (it reads rows stored earlier) is a coroutine.

The model reads the wire names of its handlers' classes, the older wire names that upcast
to them (domain/upcasters.py), and erasures (for `erase`): no other event is decoded for
it. An event class the domain does not have fails when the module is imported; a base
class (`Conversation.Event`) stands for every event of its aggregate.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from psycopg import AsyncCursor

from domain.catalogue import AGGREGATES, event_classes
from domain.contact import Contact
from domain.upcasters import UPCASTERS
from projections.engine.base import Projection, Recorded

Handler = Callable[..., Any]
ERASED = Contact.Erased  # every model rewrites what an erasure names (`erase`)


def concrete(cls: type) -> list[type]:
    """The event classes `cls` stands for: itself, or, for an aggregate's base event class
    (`Conversation.Event`), every event of that aggregate."""
    known = event_classes().values()
    if cls in known:
        return [cls]
    if cls in {aggregate.Event for aggregate in AGGREGATES}:
        return [k for k in known if issubclass(k, cls)]
    raise TypeError(f"{cls!r} is not an event class of the domain")


def handles(*classes: type) -> Callable[[Handler], Handler]:
    """Register the decorated method as the handler of events of these classes."""
    found = [k for cls in classes for k in concrete(cls)]

    def register(handler: Handler) -> Handler:
        handler.handles = (*getattr(handler, "handles", ()), *found)  # type: ignore[attr-defined]
        return handler

    return register


def wire_names(cls: type) -> set[str]:
    """The class's wire name and the older ones the mapper upcasts to it."""
    kind = cls.TOPIC.rsplit(".", 1)[0]
    return {cls.TOPIC, *(old for old in UPCASTERS if old.rsplit(".", 1)[0] == kind)}


class Model(Projection):
    """A read model whose `apply` dispatches each event to its handlers by class."""

    handlers: ClassVar[dict[type, tuple[tuple[Handler, bool], ...]]] = {}
    reads: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[type, list[tuple[Handler, bool]]] = {}
        for name, member in _members(cls):
            for event_class in getattr(member, "handles", ()):
                entry = (getattr(cls, name), inspect.iscoroutinefunction(member))
                found.setdefault(event_class, []).append(entry)
        cls.handlers = {k: tuple(v) for k, v in found.items()}
        cls.reads = frozenset(w for k in (*found, ERASED) for w in wire_names(k))

    @classmethod
    def handled(cls) -> dict[str, tuple[type, ...]]:
        """Each handler's name and the event classes it handles."""
        return {name: member.handles for name, member in _members(cls) if member.handles}

    def wants(self, wire_name: str) -> bool:
        return wire_name in self.reads

    async def begin(self, cur: AsyncCursor, events: Sequence[Recorded]) -> Any:
        """The batch's state (handlers' first argument), read from the tables as the
        batch needs it. By default a list: the rows to write."""
        return []

    async def end(self, cur: AsyncCursor, batch: Any) -> None:
        """Write what the batch's state holds."""

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        batch = await self.begin(cur, events)
        handlers = self.handlers
        for r in events:
            for handler, is_coroutine in handlers.get(type(r.event), ()):
                if is_coroutine:
                    await handler(self, batch, r)
                else:
                    handler(self, batch, r)
        await self.end(cur, batch)


def _members(cls: type) -> list[tuple[str, Any]]:
    """The class's handlers, in the order they are defined (base classes' first)."""
    seen: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        for name, member in vars(klass).items():
            if getattr(member, "handles", None) is not None:
                seen[name] = getattr(cls, name)
    return list(seen.items())
