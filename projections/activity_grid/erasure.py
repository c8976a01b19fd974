"""The activity grid after an erasure: names, summaries and first messages again.

A row's contact name is, as the grid writes it: the contact's latest name if the contact
was (re)named after the row was written, or the row is an interaction, or its activity
named no contact; otherwise the name the activity gave. That is recomputed here for every
row of a contact whose names were erased, and for every row of an erased activity.
"""

from __future__ import annotations

from psycopg import AsyncCursor

from domain.activity import Activity
from domain.conversation import Conversation
from projections.activity_grid.tables import ACTIVITIES, CONTACTS
from projections.engine.base import Recorded, reader
from projections.shared.erasure import affected, current_names, history, names

LOGGED = (Activity.Logged, Activity.TicketCreated, Activity.WidgetChatStarted)


async def erase(cur: AsyncCursor, s: str, erasure: Recorded) -> None:
    ws, before = erasure.meta.workspace_id, erasure.position
    events = await affected(cur, erasure)
    renamed = {r.event.contact_id for r in events if names(r)}
    logged = {r.event.activity_id: r for r in events if type(r.event) in LOGGED}
    found = await current_names(cur, ws, sorted(renamed), before)
    await _many(
        cur,
        f"UPDATE {CONTACTS.at(s)} SET name = %s WHERE workspace_id = %s AND contact_id = %s",
        [(name, ws, c) for c, (_, name) in found.items()],
    )
    cur = reader(cur)
    await cur.execute(
        f"SELECT activity_id, position, source, contact_id FROM {ACTIVITIES.at(s)} WHERE "
        "workspace_id = %s AND (contact_id = ANY(%s) OR activity_id = ANY(%s))",
        (ws, sorted(renamed), sorted(logged)),
    )
    rows = await cur.fetchall()
    contacts = sorted({c for *_, c in rows if c})
    latest = await current_names(cur, ws, contacts, before)
    wanted = [a for a, _, source, _ in rows if source != "interaction"]
    own = await _activities(cur, ws, wanted, before)
    own.update(logged)
    changes = []
    for activity_id, position, source, contact_id in rows:
        at, name = latest.get(contact_id, (0, None))
        r = own.get(activity_id)
        given = r.event.details.contact.name if r and r.event.details.contact else None
        if source != "interaction" and at < position and given is not None:
            name = given
        changes.append((name if contact_id else None, ws, activity_id))
    where = "WHERE workspace_id = %s AND activity_id = %s"
    await _many(cur, f"UPDATE {ACTIVITIES.at(s)} SET contact_name = %s {where}", changes)
    await _many(
        cur,
        f"UPDATE {ACTIVITIES.at(s)} SET summary = %s, first_message = %s, lead_name = %s {where}",
        [
            (d.summary, d.first_message, d.lead.name if d.lead else None, ws, a)
            for a, r in logged.items()
            if (d := r.event.details)
        ],
    )
    await _many(
        cur,
        f"UPDATE {ACTIVITIES.at(s)} SET first_message = %s {where}",
        [
            (r.event.first_message, ws, f"interaction-{r.event.conversation_id}-{r.position}")
            for r in events
            if type(r.event) is Conversation.InteractionClosed
        ],
    )


async def _many(cur: AsyncCursor, sql: str, rows: list) -> None:
    if rows:
        await cur.executemany(sql, rows)


async def _activities(cur: AsyncCursor, ws: str, activity_ids: list[str], before: int) -> dict:
    """activity id -> its logged event, as it reads now."""
    ids = [Activity.id_for(ws, a) for a in activity_ids]
    return {
        r.event.activity_id: r for r in await history(cur, ids, before) if type(r.event) in LOGGED
    }
