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
from projections.engine.base import Recorded
from projections.shared.erasure import affected, history


async def erase(emails, cur: AsyncCursor, erasure: Recorded) -> None:
    s, ws = emails.schema, erasure.meta.workspace_id
    events = await affected(cur, erasure, OutgoingEmail.Event, IncomingEmail.Event)
    outgoing = sorted({r.event.email_id for r in events if r.type != "email.received"})
    received = [r for r in events if r.type == "email.received"]
    if outgoing:
        for table in ("outgoing", "history"):
            await cur.execute(
                f"DELETE FROM {s}.{table} WHERE workspace_id = %s AND email_id = ANY(%s)",
                (ws, outgoing),
            )
        await _forget(cur, s, ws, "outbound", outgoing)
        ids = [OutgoingEmail.id_for(ws, e) for e in outgoing]
        for r in await history(cur, ids, erasure.position):
            await emails._outgoing(cur, r)
    if received:
        keys = [str(r.aggregate_id) for r in received]
        await cur.execute(
            f"DELETE FROM {s}.incoming WHERE workspace_id = %s AND id = ANY(%s)", (ws, keys)
        )
        await _forget(cur, s, ws, "inbound", keys)
        for r in received:
            await emails._incoming(cur, r)
            await _unknown_sender(cur, s, r)


async def _forget(cur: AsyncCursor, s: str, ws: str, direction: str, keys: list[str]) -> None:
    await cur.execute(
        f"DELETE FROM {s}.contact_emails WHERE workspace_id = %s AND direction = %s "
        "AND email_key = ANY(%s)",
        (ws, direction, keys),
    )


async def _unknown_sender(cur: AsyncCursor, s: str, r: Recorded) -> None:
    e, where = r.event, "WHERE workspace_id = %s AND last_email = %s"
    if e.contact_ids:
        return
    key = (r.meta.workspace_id, str(r.aggregate_id))
    if e.sender.address == ERASED:
        await cur.execute(f"DELETE FROM {s}.unknown_senders {where}", key)
    else:
        await cur.execute(
            f"UPDATE {s}.unknown_senders SET last_subject = %s {where}", (e.subject, *key)
        )
