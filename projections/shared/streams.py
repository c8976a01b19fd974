"""What every live stream is: a position in it, the items it sends, and how it is read.

A stream is ordered by a *group* (the position of the event that made an item appear or
change in this stream) and, within a group, by a tiebreak (the item's own position,
then its subject). Most groups hold one item: an event's position is its stream
position. A merge makes the merged contact's earlier entries appear in the primary's
timeline at the merge's position; a rename changes many grid rows at once: those groups
hold many items.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from psycopg import AsyncConnection

from projections.shared.reading import Scope, rows


class BadPosition(ValueError):
    """A position this stream never sent (the API answers 400)."""

    def __init__(self) -> None:
        super().__init__("Last-Event-ID: not a position this stream sent")


@dataclass(frozen=True)
class StreamPosition:
    """After group `group`, all of it (`within` None) or up to the item `within`."""

    group: int
    within: tuple | None = None

    def encode(self) -> str:
        return ":".join(str(part) for part in (self.group, *(self.within or ())))

    @classmethod
    def parse(cls, text: str, tiebreak: tuple[type, ...]) -> StreamPosition:
        parts = text.strip().split(":", len(tiebreak))
        try:
            group = int(parts[0])
            if group < 0 or len(parts) not in (1, 1 + len(tiebreak)):
                raise ValueError(text)
            rest = parts[1:]
            within = tuple(kind(p) for kind, p in zip(tiebreak, rest, strict=True)) if rest else ()
        except ValueError:
            raise BadPosition() from None
        return cls(group, within or None)


@dataclass(frozen=True)
class Item:
    group: int
    tiebreak: tuple
    event: str  # the SSE event name
    data: str  # JSON

    @property
    def position(self) -> StreamPosition:
        return StreamPosition(self.group, self.tiebreak)


class Stream(ABC):
    """One subscriber's stream: its read model, filters and the caller's scope."""

    schema: ClassVar[str]  # the read model whose announcements wake it
    tiebreak: ClassVar[tuple[type, ...]] = ()

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.ended: str | None = None  # why no more items will come, once a read knows
        self.token_hash: str | None = None  # the caller's, checked for revocation
        self.revoked = False

    @property
    def workspace_id(self) -> str:
        return self.scope.workspace_id

    async def head(self, conn: AsyncConnection) -> StreamPosition:
        """Where a new subscriber starts: everything its read model has committed."""
        found = await rows(conn, f"SELECT max(position) AS p FROM {self.schema}.tracking", ())
        return StreamPosition(found[0]["p"] or 0)

    def describe(self) -> tuple[str, str]:
        """What the stream follows, for a 404: (kind, id)."""
        return ("stream", self.workspace_id)

    @abstractmethod
    async def visible(self, conn: AsyncConnection) -> bool:
        """Whether the caller may see the record (checked on subscribing)."""

    @abstractmethod
    def batch_key(self) -> tuple:
        """Streams with equal batch keys (same kind, same effective scope, same filters)
        are read together, by `read_many`, in one query."""

    @classmethod
    @abstractmethod
    async def read_many(
        cls, conn: AsyncConnection, requests: list[tuple[Stream, StreamPosition]], limit: int
    ) -> list[list[Item]]:
        """For each (stream, position) of one batch key: up to `limit` items after the
        position, in stream order, as the caller may see them; a stream whose caller may
        see no more gets `ended` set (the items before that still count)."""

    @abstractmethod
    def key(self) -> tuple:
        """What the stream follows, as `changes` names it: the hub wakes it by this."""

    @classmethod
    @abstractmethod
    async def changes(
        cls, conn: AsyncConnection, after: int, upto: int, workspaces: frozenset[str] | None
    ) -> set[tuple] | None:
        """The keys of the streams whose rows the transactions in (after, upto] wrote or
        changed (`workspaces`: those the announcements named; None: unknown); None when
        every stream of this kind may have changed. One query for all subscribers, unscoped
        and coarse: it only decides whom to wake, and a stream woken for nothing costs one
        read."""
