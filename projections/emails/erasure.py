"""The emails read model after an erasure.

An outgoing email's rows (its row, its history, the contact histories it is on) are a
function of its own events: they are deleted and its events up to the erasure applied
again, as they read now. An incoming email is one event: its rows are written again;
the unknown sender it was the latest email of is dropped when the sender's address is
erased (an erased address is not listed, as a rebuild does not list it), or else takes
the email's subject again.
"""

from __future__ import annotations

from psycopg import AsyncCursor

from domain.incoming_email import IncomingEmail
from domain.outgoing_email import OutgoingEmail
from domain.personal import ERASED
from projections.emails.tables import CONTACT_EMAILS, HISTORY, INCOMING, OUTGOING, UNKNOWN_SENDERS
from projections.emails.writes import incoming, outgoing
from projections.engine.base import Recorded
from projections.shared.erasure import affected, history


async def erase(s: str, cur: AsyncCursor, erasure: Recorded) -> None:
    ws = erasure.meta.workspace_id
    events = await affected(cur, erasure, OutgoingEmail.Event, IncomingEmail.Event)
    sent = sorted({r.event.email_id for r in events if isinstance(r.event, OutgoingEmail.Event)})
    received = [r for r in events if isinstance(r.event, IncomingEmail.Received)]
    if sent:
        for table in (OUTGOING, HISTORY):
            await cur.execute(
                f"DELETE FROM {table.at(s)} WHERE workspace_id = %s AND email_id = ANY(%s)",
                (ws, sent),
            )
        await _forget(cur, s, ws, "outbound", sent)
        ids = [OutgoingEmail.id_for(ws, e) for e in sent]
        for r in await history(cur, ids, erasure.position):
            await outgoing(cur, s, r)
    if received:
        keys = [str(r.aggregate_id) for r in received]
        await cur.execute(
            f"DELETE FROM {INCOMING.at(s)} WHERE workspace_id = %s AND id = ANY(%s)", (ws, keys)
        )
        await _forget(cur, s, ws, "inbound", keys)
        for r in received:
            await incoming(cur, s, r)
            await _unknown_sender(cur, s, r)


async def _forget(cur: AsyncCursor, s: str, ws: str, direction: str, keys: list[str]) -> None:
    await cur.execute(
        f"DELETE FROM {CONTACT_EMAILS.at(s)} WHERE workspace_id = %s AND direction = %s "
        "AND email_key = ANY(%s)",
        (ws, direction, keys),
    )


async def _unknown_sender(cur: AsyncCursor, s: str, r: Recorded) -> None:
    e, where = r.event, "WHERE workspace_id = %s AND last_email = %s"
    if e.contact_ids:
        return
    key = (r.meta.workspace_id, str(r.aggregate_id))
    if e.sender.address == ERASED:
        await cur.execute(f"DELETE FROM {UNKNOWN_SENDERS.at(s)} {where}", key)
    else:
        await cur.execute(
            f"UPDATE {UNKNOWN_SENDERS.at(s)} SET last_subject = %s {where}", (e.subject, *key)
        )
