"""Time travel: an aggregate as it stood at a version, or at a moment.

"At a moment" means as Chronicle knew it then: the events recorded by that time (their
store clock), in order. Producer clocks can run late or out of order, so folding by them
would not give a state that ever existed; both clocks are in every event for who wants
to compare them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from psycopg import AsyncConnection

from adapters.eventstore import EVENTS_TABLE
from adapters.mapper import MsgspecMapper
from domain.activity import Activity
from domain.contact import Contact
from domain.conversation import Conversation
from projections.source import decode

KINDS = {"conversation": Conversation, "contact": Contact, "activity": Activity}
_mapper = MsgspecMapper()


def _plain(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def state_of(aggregate: Any) -> dict[str, Any]:
    """The aggregate's attributes as JSON values (sets sorted, so answers are stable)."""
    attributes = {k.lstrip("_"): v for k, v in vars(aggregate).items() if k != "_pending_events"}
    return msgspec.to_builtins(_plain(attributes))


async def state_at(
    conn: AsyncConnection,
    kind: str,
    workspace_id: str,
    external_id: str,
    *,
    version: int | None = None,
    as_of: datetime | None = None,
) -> dict[str, Any] | None:
    """{version, recorded_at, state} of the aggregate then, or None if it did not exist."""
    aggregate_id = KINDS[kind].id_for(workspace_id, external_id)
    cur = await conn.execute(
        f"SELECT notification_id, originator_id, originator_version, topic, state FROM "
        f"{EVENTS_TABLE} WHERE originator_id = %s AND originator_version <= %s "
        "ORDER BY originator_version",
        (aggregate_id, version or 2**62),
    )
    aggregate, recorded_at = None, None
    for row in await cur.fetchall():
        event = decode(_mapper, *row).event
        if as_of is not None and event.timestamp > as_of:
            break
        aggregate, recorded_at = event.mutate(aggregate), event.timestamp
    if aggregate is None:
        return None
    return {
        "kind": kind,
        "id": external_id,
        "version": aggregate.version,
        "recorded_at": recorded_at,
        "state": state_of(aggregate),
    }
