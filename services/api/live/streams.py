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
from typing import Any, ClassVar

from fastapi import HTTPException
from psycopg import AsyncConnection

from services.api.queries import rows
from services.api.scope import Scope


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
            raise HTTPException(
                400, detail="Last-Event-ID: not a position this stream sent"
            ) from None
        return cls(group, within or None)

    def after(self, group: str, tiebreak: tuple[str, ...]) -> tuple[str, list]:
        """SQL: the row's (group, tiebreak) comes after this position."""
        if self.within is None:
            return f"{group} > %s", [self.group]
        columns = ", ".join(tiebreak)
        marks = ", ".join(["%s"] * len(tiebreak))
        return (
            f"({group} > %s OR ({group} = %s AND ({columns}) > ({marks})))",
            [self.group, self.group, *self.within],
        )

    @property
    def probe_floor(self) -> int:
        """Rows written after this position have a position above this."""
        return self.group if self.within is None else self.group - 1


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
    # whether visibility can change while subscribed (then it is checked on each read)
    recheck_visibility: ClassVar[bool] = False

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.ended: str | None = None  # why no more items will come, once `read` knows

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
        """Whether the caller may see the record (checked on subscribing and each read)."""

    @abstractmethod
    async def read(self, conn: AsyncConnection, after: StreamPosition, limit: int) -> list[Item]:
        """Up to `limit` items after `after`, in stream order, as the caller may see them;
        sets `ended` when the caller may see no more (the items before it still count)."""

    @abstractmethod
    def probe_key(self) -> tuple[Any, ...]:
        """What `probe` needs to tell whether this stream may have news."""

    @classmethod
    @abstractmethod
    async def probe(cls, conn: AsyncConnection, keyed: list[tuple[int, tuple, int]]) -> set[int]:
        """Of (index, probe_key, floor) triples, the indexes whose read model has rows
        written after `floor` for that key: one query for many subscribers. Unscoped and
        coarse: it only decides whom to wake; a false positive costs one read."""
