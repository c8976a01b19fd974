"""What every projection needs to rewrite rows after an erasure (`contact.erased`).

An erasure names the positions of the events that held data under the destroyed keys;
read again from the store now, those events decode with their personal values erased.
A projection rewrites the rows it derived from them (by position), or, where a row also
depends on later state, recomputes it from the aggregate's events up to the erasure:
either way the result is what a rebuild from the log, which reads the same erased
events, writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

from psycopg import AsyncCursor

from adapters.eventstore import reads
from adapters.mapper import MsgspecMapper
from domain.contact import Contact
from projections.engine.base import Recorded
from projections.engine.source import decode_rows
from projections.shared.describe import common_columns

_mapper = MsgspecMapper()


async def affected(cur: AsyncCursor, erasure: Recorded, *of: type) -> list[Recorded]:
    """The events the erasure names (those of the event classes `of`, if given: a base
    class stands for all its aggregate's events), as they read now."""
    conn = cur.connection
    rows = await reads.at(conn, erasure.event.positions)
    found = await decode_rows(conn, _mapper, rows)
    return [r for r in found if not of or isinstance(r.event, of)]


async def history(cur: AsyncCursor, aggregate_ids: Sequence[UUID], before: int) -> list[Recorded]:
    """Every event of these aggregates before position `before`, in log order."""
    if not aggregate_ids:
        return []
    conn = cur.connection
    rows = await reads.before(conn, sorted(set(aggregate_ids)), before)
    return await decode_rows(conn, _mapper, rows)


def names(r: Recorded) -> bool:
    """Does the event give its contact a name (added, or a rename)?"""
    kind = type(r.event)
    return kind is Contact.Added or (kind is Contact.Updated and r.event.field == "name")


def name_given(r: Recorded) -> str | tuple | None:
    """The name a name-giving event gives (see `names`)."""
    return r.event.name if type(r.event) is Contact.Added else r.event.new


async def current_names(
    cur: AsyncCursor, workspace_id: str, contact_ids: Sequence[str], before: int
) -> dict[str, tuple[int, str | tuple | None]]:
    """contact -> (position, name) of its latest name-giving event before `before`."""
    ids = [Contact.id_for(workspace_id, c) for c in contact_ids]
    found = {}
    for r in await history(cur, ids, before):
        if names(r):
            found[r.event.contact_id] = (r.position, name_given(r))
    return found


async def rewrite_common(
    cur: AsyncCursor,
    table: str,
    events: Sequence[Recorded],
    search: Callable[[Recorded, str], str] | None = None,
) -> None:
    """Rows of `table` keyed by (workspace_id, position) with the common columns
    (projections/shared/describe.py): their actor name, summary and details again from their
    event, and their search text (`search(event, summary)`) when the table has one."""
    values = []
    for r in events:
        _, _, _, _, _, actor_name, _, summary, details = common_columns(r)
        text = search(r, summary) if search else None
        values.append((r.meta.workspace_id, r.position, actor_name, summary, details, text))
    if not values:
        return
    search_set = ", search_text = v.search_text" if search else ""
    await cur.execute(
        f"UPDATE {table} t SET actor_name = v.actor_name, summary = v.summary, "
        f"details = v.details::jsonb{search_set} FROM unnest(%s::text[], %s::bigint[], "
        "%s::text[], %s::text[], %s::text[], %s::text[]) AS v(workspace_id, position, "
        "actor_name, summary, details, search_text) "
        "WHERE t.workspace_id = v.workspace_id AND t.position = v.position",
        [list(c) for c in zip(*values, strict=True)],
    )
