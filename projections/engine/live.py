"""Wake-ups for live subscribers: each projection transaction announces its new position.

The announcement names the read model's schema (`rm_timeline`; a rebuild into another
schema is not mistaken for the live one), its position and the workspaces the
transaction touched.

`announce` runs inside the transaction that writes a projection's rows and tracking
position, so the notification is delivered only if, and when, that transaction commits
(PostgreSQL holds NOTIFY until commit). It is a hint, never data: a listener that misses
it loses nothing, because it reads the read model itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from psycopg import AsyncCursor

CHANNEL = "chronicle_projections"
# PostgreSQL refuses payloads of 8000 bytes or more; past this we name no workspace,
# which listeners read as "any workspace may have changed".
MAX_PAYLOAD = 7000


@dataclass(frozen=True)
class Announcement:
    schema: str
    position: int
    workspaces: frozenset[str] | None  # None: unknown, any may have changed


def payload(schema: str, position: int, workspaces: Iterable[str]) -> str:
    text = " ".join([schema, str(position), *sorted(set(workspaces))])
    return text if len(text.encode()) <= MAX_PAYLOAD else f"{schema} {position}"


def parse(text: str) -> Announcement | None:
    parts = text.split(" ")
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return Announcement(parts[0], int(parts[1]), frozenset(parts[2:]) or None)


async def announce(cur: AsyncCursor, schema: str, position: int, workspaces: Iterable[str]) -> None:
    await cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload(schema, position, workspaces)))
