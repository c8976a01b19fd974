"""Time travel: an aggregate as it stood at a version, or at a moment.

"At a moment" means as Chronicle knew it then: the events recorded by that time (their
store clock, `recorded_at`), in version order. Producer clocks can run late or out of
order, so folding by them would not give a state that ever existed; both clocks are in
every event for who wants to compare them. The fold stops at the first event recorded
after the moment, so the answer is always a prefix of the aggregate's history (a state
it really had), even if a clock ever stepped back. The read side answers "what did the
timeline show at T" with the same clock (projections/timeline/queries.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from psycopg import AsyncConnection

from adapters.eventstore import reads
from adapters.mapper import MsgspecMapper
from domain.activity import Activity
from domain.contact import Contact
from domain.conversation import Conversation
from projections.engine.source import decode, keys_for

KINDS = {"conversation": Conversation, "contact": Contact, "activity": Activity}
_mapper = MsgspecMapper()


def aware(moment: datetime | None) -> datetime | None:
    """A moment with a time zone: one given without is taken as UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _plain(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=repr)
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
    """The aggregate after its events up to `version` and recorded by `as_of` (both
    optional), with the last of those events; None if it did not exist yet (or at all:
    the id is of this workspace, so another workspace's record does not exist here)."""
    as_of = aware(as_of)
    aggregate_id = KINDS[kind].id_for(workspace_id, external_id)
    rows = await reads.aggregate(conn, aggregate_id)
    keys = await keys_for(conn, (row[4] for row in rows))
    aggregate, last = None, None
    for row in rows:
        if version is not None and row[2] > version:
            break
        recorded = decode(_mapper, *row, keys)
        if as_of is not None and recorded.event.timestamp > as_of:
            break  # and never skip ahead: the answer is a state the aggregate really had
        aggregate, last = recorded.event.mutate(aggregate), recorded
    if aggregate is None:
        return None
    return answer(kind, external_id, aggregate, last, rows[-1][2])


def answer(kind: str, external_id: str, aggregate: Any, last: Any, latest: int) -> dict:
    event = last.event
    return {
        "kind": kind,
        "id": external_id,
        "version": aggregate.version,
        "latest_version": latest,
        "last_event": {
            "position": last.position,
            "wire_name": last.wire_name,
            "recorded_at": event.timestamp,
            "occurred_at": event.meta.occurred_at,
            "actor": msgspec.to_builtins(event.meta.actor),
        },
        "state": state_of(aggregate),
    }
