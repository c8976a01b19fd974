"""The statements of the emails read model, one event at a time, in log order (each may
depend on the rows of the one before): the projector's handlers run them, and so does the
rewrite after an erasure (erasure.py)."""

from __future__ import annotations

import msgspec
from psycopg import AsyncCursor

from adapters.mail.html_text import html_to_text
from domain.email_values import address_key
from domain.outgoing_email import OutgoingEmail
from projections.emails.tables import CONTACT_EMAILS, HISTORY, INCOMING, OUTGOING, UNKNOWN_SENDERS
from projections.engine.base import Recorded, reader
from projections.shared.describe import data_of
from projections.shared.summaries import summary

SEARCHED = 20_000  # characters of an email's text kept for search
_json = msgspec.json.Encoder()
STATUS_OF = {
    OutgoingEmail.Drafted: "draft",
    OutgoingEmail.Queued: "queued",
    OutgoingEmail.Sent: "sent",
    OutgoingEmail.Failed: "failed",
}


def _text(content: str, content_type: str) -> str:
    return html_to_text(content) if content_type == "text/html" else content


def _search(*parts: str | None) -> str:
    return " ".join(p for p in parts if p).lower()[:SEARCHED]


async def outgoing(cur: AsyncCursor, s: str, r: Recorded) -> None:
    """An outgoing email's event: its row (drafted: a new one), its history, and the
    contacts it concerns (drafted and sent: its recipients)."""
    e, ws, kind = r.event, r.meta.workspace_id, type(r.event)
    data = data_of(e)
    if kind is OutgoingEmail.Drafted:
        m = e.mailbox
        await cur.execute(
            f"INSERT INTO {OUTGOING.at(s)} (workspace_id, email_id, mailbox_id, owner_user_id, "
            "team_id, status, subject, recipients, content, content_type, link_type, "
            "link_id, message_id, drafted_at, updated_at, position) VALUES "
            "(%s, %s, %s, %s, %s, 'draft', %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (
                ws, e.email_id, m.mailbox_id, m.owner_user_id, m.team_id, e.subject,
                _json.encode(data["recipients"]).decode(), e.content, e.content_type,
                e.link.type if e.link else None, e.link.id if e.link else None,
                e.message_id, e.meta.occurred_at, e.meta.occurred_at, r.position,
            ),
        )  # fmt: skip
        text = _search(e.subject, _text(e.content, e.content_type))
        await concern(cur, s, r, e.contact_ids, "outbound", e.email_id, m.team_id, text)
    found = reader(cur)
    await found.execute(
        f"UPDATE {OUTGOING.at(s)} SET status = coalesce(%s, status), updated_at = %s, "
        "position = %s, attempts = CASE WHEN %s::int IS NULL THEN attempts ELSE %s END, "
        "in_doubt = %s, error = coalesce(%s, error) "
        "WHERE workspace_id = %s AND email_id = %s RETURNING status, team_id, subject, "
        "content, content_type",
        (
            STATUS_OF.get(kind), e.meta.occurred_at, r.position, data.get("attempt"),
            data.get("attempt"), kind is OutgoingEmail.SendingStarted, data.get("error"), ws,
            e.email_id,
        ),
    )  # fmt: skip
    row = await found.fetchone()
    if row is None:
        return
    current, team, subject, content, content_type = row
    await cur.execute(
        f"INSERT INTO {HISTORY.at(s)} VALUES "
        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING",
        (
            ws, e.email_id, r.position, r.type, current, e.meta.occurred_at, e.timestamp,
            e.meta.actor.type, e.meta.actor.id, e.meta.actor.name, summary(r, data),
            _json.encode(data).decode(),
        ),
    )  # fmt: skip
    if kind is OutgoingEmail.Sent:
        text = _search(subject, _text(content, content_type))
        await concern(cur, s, r, e.contact_ids, "outbound", e.email_id, team, text)


async def concern(cur, s: str, r: Recorded, contacts, direction, key, team, text) -> None:
    """The email is on these contacts' email histories, as of this event."""
    if contacts:
        await cur.executemany(
            f"INSERT INTO {CONTACT_EMAILS.at(s)} VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (workspace_id, contact_id, "
            "direction, email_key) DO UPDATE SET position = EXCLUDED.position, "
            "occurred_at = EXCLUDED.occurred_at",
            [
                (r.meta.workspace_id, c, direction, key, r.position, r.meta.occurred_at,
                 team, text)
                for c in contacts
            ],
        )  # fmt: skip


async def incoming(cur: AsyncCursor, s: str, r: Recorded) -> None:
    """A received email's row, and the contacts it concerns (its sender's)."""
    e, ws = r.event, r.meta.workspace_id
    data = data_of(e)
    key, team = str(r.aggregate_id), r.meta.team_id
    await cur.execute(
        f"INSERT INTO {INCOMING.at(s)} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "%s, %s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING",
        (
            ws, key, e.mailbox_id, e.message_id, e.sender.address, e.sender.name,
            e.subject, e.snippet, e.body, e.body_truncated, e.sent_at, e.meta.occurred_at,
            e.timestamp, team, list(e.contact_ids), e.via, r.position, summary(r, data),
            _json.encode(data).decode(),
        ),
    )  # fmt: skip
    text = _search(e.subject, e.sender.address, e.sender.name, e.body)
    await concern(cur, s, r, e.contact_ids, "inbound", key, team, text)


async def unknown_sender(cur: AsyncCursor, s: str, r: Recorded) -> None:
    """A received email no contact had: its sender is (still) unknown."""
    e, ws = r.event, r.meta.workspace_id
    key, team = str(r.aggregate_id), r.meta.team_id
    await cur.execute(
        f"INSERT INTO {UNKNOWN_SENDERS.at(s)} VALUES "
        "(%s, %s, %s, 1, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (workspace_id, address) "
        "DO UPDATE SET emails = unknown_senders.emails + 1, "
        "name = coalesce(EXCLUDED.name, unknown_senders.name), "
        "first_seen_at = least(unknown_senders.first_seen_at, EXCLUDED.first_seen_at), "
        "last_seen_at = greatest(unknown_senders.last_seen_at, EXCLUDED.last_seen_at), "
        "last_subject = EXCLUDED.last_subject, last_email = EXCLUDED.last_email, "
        "mailbox_id = EXCLUDED.mailbox_id, team_id = EXCLUDED.team_id, "
        "position = EXCLUDED.position",
        (
            ws, address_key(e.sender.address), e.sender.name, e.meta.occurred_at,
            e.meta.occurred_at, e.subject, key, e.mailbox_id, team, r.position,
        ),
    )  # fmt: skip
