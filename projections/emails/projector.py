"""Emails: outgoing emails with their status and full history, incoming emails, each
contact's email history (both directions), and senders no contact has.

- `outgoing`: one row per email, its current status; `history` every change of it;
- `incoming`: one row per received email (per mailbox and Message-ID);
- `contact_emails`: which emails concern which contact (recipients matched when drafted
  and when sent; senders when received), for the contact's email history and its search;
- `unknown_senders`: addresses that sent email no contact had; an address leaves the
  list when a contact gets it.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from psycopg import AsyncCursor

from adapters.mail.html_text import html_to_text
from domain.email_values import address_key
from domain.personal import ERASED
from projections.engine.base import Projection, Recorded, reader
from projections.shared.describe import data_of, summary

SEARCHED = 20_000  # characters of an email's text kept for search
_json = msgspec.json.Encoder()
STATUS_OF = {
    "email.drafted": "draft",
    "email.queued": "queued",
    "email.sent": "sent",
    "email.failed": "failed",
}


def _text(content: str, content_type: str) -> str:
    return html_to_text(content) if content_type == "text/html" else content


def _search(*parts: str | None) -> str:
    return " ".join(p for p in parts if p).lower()[:SEARCHED]


class Emails(Projection):
    name = "emails"
    families = ("contact", "email")

    def tables(self) -> list[str]:
        s = self.schema
        return [
            f"""CREATE TABLE IF NOT EXISTS {s}.outgoing (
                workspace_id text NOT NULL, email_id text NOT NULL, mailbox_id text NOT NULL,
                owner_user_id text, team_id text, status text NOT NULL, subject text NOT NULL,
                recipients jsonb NOT NULL, content text NOT NULL, content_type text NOT NULL,
                link_type text, link_id text, message_id text NOT NULL,
                attempts int NOT NULL DEFAULT 0, in_doubt boolean NOT NULL DEFAULT false,
                error text, drafted_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
                position bigint NOT NULL,
                PRIMARY KEY (workspace_id, email_id))""",
            f"CREATE INDEX IF NOT EXISTS outgoing_by_status ON {s}.outgoing "
            "(workspace_id, mailbox_id, status, updated_at DESC, email_id)",
            f"CREATE INDEX IF NOT EXISTS outgoing_queued ON {s}.outgoing (position) "
            "WHERE status = 'queued'",
            f"""CREATE TABLE IF NOT EXISTS {s}.history (
                workspace_id text NOT NULL, email_id text NOT NULL, position bigint NOT NULL,
                type text NOT NULL, status text NOT NULL, occurred_at timestamptz NOT NULL,
                recorded_at timestamptz NOT NULL, actor_type text NOT NULL,
                actor_id text NOT NULL, actor_name text, summary text NOT NULL,
                details jsonb NOT NULL,
                PRIMARY KEY (workspace_id, email_id, position))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.incoming (
                workspace_id text NOT NULL, id text NOT NULL, mailbox_id text NOT NULL,
                message_id text NOT NULL, sender_address text NOT NULL, sender_name text,
                subject text, snippet text NOT NULL, body text NOT NULL,
                body_truncated boolean NOT NULL, sent_at timestamptz,
                occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL,
                team_id text, contact_ids text[] NOT NULL, via text NOT NULL,
                position bigint NOT NULL, summary text NOT NULL, details jsonb NOT NULL,
                PRIMARY KEY (workspace_id, id))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.contact_emails (
                workspace_id text NOT NULL, contact_id text NOT NULL, direction text NOT NULL,
                email_key text NOT NULL, position bigint NOT NULL,
                occurred_at timestamptz NOT NULL, team_id text, search_text text NOT NULL,
                PRIMARY KEY (workspace_id, contact_id, direction, email_key))""",
            f"CREATE INDEX IF NOT EXISTS contact_emails_newest ON {s}.contact_emails "
            "(workspace_id, contact_id, occurred_at DESC, position DESC)",
            f"""CREATE TABLE IF NOT EXISTS {s}.unknown_senders (
                workspace_id text NOT NULL, address text NOT NULL, name text,
                emails bigint NOT NULL, first_seen_at timestamptz NOT NULL,
                last_seen_at timestamptz NOT NULL, last_subject text, last_email text NOT NULL,
                mailbox_id text NOT NULL, team_id text, position bigint NOT NULL,
                PRIMARY KEY (workspace_id, address))""",
            f"CREATE INDEX IF NOT EXISTS unknown_senders_newest ON {s}.unknown_senders "
            "(workspace_id, last_seen_at DESC, address)",
        ]

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        for r in events:  # in order: each event may depend on the rows of the one before
            kind = r.type
            if kind in ("contact.added", "contact.updated"):
                await self._known(cur, r)
            elif kind == "email.received":
                await self._received(cur, r)
            elif kind.startswith("email."):
                await self._outgoing(cur, r)

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        from projections.emails.erasure import erase

        await erase(self, cur, erasure)

    async def _known(self, cur: AsyncCursor, r: Recorded) -> None:
        from adapters.address_index import addresses_of

        addresses = addresses_of(r.wire_name, {**data_of(r.event)})
        if addresses:
            await cur.execute(
                f"DELETE FROM {self.schema}.unknown_senders "
                "WHERE workspace_id = %s AND address = ANY(%s)",
                (r.meta.workspace_id, addresses),
            )

    async def _outgoing(self, cur: AsyncCursor, r: Recorded) -> None:
        s, e, ws = self.schema, r.event, r.meta.workspace_id
        data = data_of(e)
        if r.type == "email.drafted":
            m = e.mailbox
            await cur.execute(
                f"INSERT INTO {s}.outgoing (workspace_id, email_id, mailbox_id, owner_user_id, "
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
            await self._concern(cur, r, e.contact_ids, "outbound", e.email_id, m.team_id, text)
        status = STATUS_OF.get(r.type)
        cur = reader(cur)
        await cur.execute(
            f"UPDATE {s}.outgoing SET status = coalesce(%s, status), updated_at = %s, "
            "position = %s, attempts = CASE WHEN %s::int IS NULL THEN attempts ELSE %s END, "
            "in_doubt = %s, error = coalesce(%s, error) "
            "WHERE workspace_id = %s AND email_id = %s RETURNING status, team_id, subject, "
            "content, content_type",
            (
                status, e.meta.occurred_at, r.position, data.get("attempt"), data.get("attempt"),
                r.type == "email.sending_started", data.get("error"), ws, e.email_id,
            ),
        )  # fmt: skip
        row = await cur.fetchone()
        if row is None:
            return
        current, team, subject, content, content_type = row
        await cur.execute(
            f"INSERT INTO {s}.history VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING",
            (
                ws, e.email_id, r.position, r.type, current, e.meta.occurred_at, e.timestamp,
                e.meta.actor.type, e.meta.actor.id, e.meta.actor.name, summary(r, data),
                _json.encode(data).decode(),
            ),
        )  # fmt: skip
        if r.type == "email.sent":
            text = _search(subject, _text(content, content_type))
            await self._concern(cur, r, e.contact_ids, "outbound", e.email_id, team, text)

    async def _concern(self, cur, r: Recorded, contacts, direction, key, team, text) -> None:
        """The email is on these contacts' email histories, as of this event."""
        if contacts:
            await cur.executemany(
                f"INSERT INTO {self.schema}.contact_emails VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (workspace_id, contact_id, "
                "direction, email_key) DO UPDATE SET position = EXCLUDED.position, "
                "occurred_at = EXCLUDED.occurred_at",
                [
                    (r.meta.workspace_id, c, direction, key, r.position, r.meta.occurred_at,
                     team, text)
                    for c in contacts
                ],
            )  # fmt: skip

    async def _received(self, cur: AsyncCursor, r: Recorded) -> None:
        await self._incoming(cur, r)
        e = r.event
        if not e.contact_ids and e.sender.address != ERASED:  # an erased sender is unlisted
            await self._unknown_sender(cur, r)

    async def _incoming(self, cur: AsyncCursor, r: Recorded) -> None:
        s, e, ws = self.schema, r.event, r.meta.workspace_id
        data = data_of(e)
        key, team = str(r.aggregate_id), r.meta.team_id
        await cur.execute(
            f"INSERT INTO {s}.incoming VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING",
            (
                ws, key, e.mailbox_id, e.message_id, e.sender.address, e.sender.name,
                e.subject, e.snippet, e.body, e.body_truncated, e.sent_at, e.meta.occurred_at,
                e.timestamp, team, list(e.contact_ids), e.via, r.position, summary(r, data),
                _json.encode(data).decode(),
            ),
        )  # fmt: skip
        text = _search(e.subject, e.sender.address, e.sender.name, e.body)
        await self._concern(cur, r, e.contact_ids, "inbound", key, team, text)

    async def _unknown_sender(self, cur: AsyncCursor, r: Recorded) -> None:
        s, e, ws = self.schema, r.event, r.meta.workspace_id
        key, team = str(r.aggregate_id), r.meta.team_id
        await cur.execute(
            f"INSERT INTO {s}.unknown_senders VALUES "
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
