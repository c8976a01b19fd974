"""Email queries: an email and its history, a contact's emails, a mailbox's outgoing
emails by status, unknown senders. Email content is shown only with email permission."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from projections.emails.tables import CONTACT_EMAILS, HISTORY, INCOMING, OUTGOING, UNKNOWN_SENDERS
from projections.shared import cursor as cursors
from projections.shared.reading import Scope, rows
from projections.shared.visibility import HIDDEN, is_email, is_email_sql
from projections.timeline.queries import TimelineQueries

# An email's fields that are its content (every email is email content, by the rule of
# projections/shared/visibility.py): null for callers without email permission.
CONTENT = (
    OUTGOING.c.subject,
    OUTGOING.c.content,
    OUTGOING.c.recipients,
    OUTGOING.c.error,
    INCOMING.c.snippet,
    INCOMING.c.body,
    UNKNOWN_SENDERS.c.last_subject,
    UNKNOWN_SENDERS.c.name,
    *("sender", "to", "cc", "counterpart", "attachments"),  # answers' own fields
)
EMAILS = is_email_sql("'email'")  # the rule over a contact's emails: each is one


def hide(scope: Scope, item: dict[str, Any]) -> dict[str, Any]:
    """The item without its content (subjects, bodies, addresses), unless the caller has
    email permission; status, direction and times stay."""
    email = is_email("email")  # every email is email content
    if scope.may_read(email):
        return item
    out = {k: (None if k in CONTENT else v) for k, v in item.items()}
    if "summary" in out:
        out["summary"] = HIDDEN
    if isinstance(out.get("details"), dict):
        out["summary"], out["details"] = scope.redact(email, out["summary"], out["details"])
    return out


def _actor(r: dict) -> dict:
    return {"type": r.pop("actor_type"), "id": r.pop("actor_id"), "name": r.pop("actor_name")}


class EmailQueries:
    def __init__(self, conn: AsyncConnection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    async def outgoing(self, email_id: str) -> dict | None:
        where, params = self.scope.where()
        found = await rows(
            self.conn,
            f"SELECT * FROM {OUTGOING} WHERE {where} AND email_id = %s",
            (*params, email_id),
        )
        if not found:
            return None
        email = found[0]
        history = await rows(
            self.conn,
            "SELECT position, type, status, occurred_at, recorded_at, actor_type, actor_id, "
            f"actor_name, summary, details FROM {HISTORY} "
            "WHERE workspace_id = %s AND email_id = %s ORDER BY position",
            (self.scope.workspace_id, email_id),
        )
        link_type, link_id = email.pop("link_type"), email.pop("link_id")
        email["link"] = {"type": link_type, "id": link_id} if link_type else None
        email["entries"] = [hide(self.scope, {**h, "actor": _actor(h)}) for h in history]
        return hide(self.scope, email)

    async def incoming(self, id_: str) -> dict | None:
        where, params = self.scope.where()
        found = await rows(
            self.conn,
            f"SELECT * FROM {INCOMING} WHERE {where} AND id = %s",
            (*params, id_),
        )
        if not found:
            return None
        email = found[0]
        details = email.pop("details")
        email["sender"] = {"address": email.pop("sender_address"), "name": email["sender_name"]}
        email.pop("sender_name")
        email["to"], email["cc"] = details["to"], details["cc"]
        email["attachments"] = details["attachments"]
        email["in_reply_to"] = details["in_reply_to"]
        email["entries"] = [
            hide(
                self.scope,
                {
                    "position": email["position"],
                    "type": "email.received",
                    "status": "received",
                    "occurred_at": email["occurred_at"],
                    "recorded_at": email["recorded_at"],
                    "actor": None,
                    "summary": email.pop("summary"),
                    "details": details,
                },
            )
        ]
        return hide(self.scope, email)

    async def contact_emails(
        self,
        contact_id: str,
        *,
        limit: int,
        cursor: str | None,
        text: str | None,
        direction: str | None,
    ) -> dict | None:
        """Both directions, newest first; contacts merged into this one included. None when
        the caller's workspace has no such contact (or none the caller may see)."""
        timeline = TimelineQueries(self.conn, self.scope)
        subjects = await timeline.subjects("contact", contact_id)
        found = await rows(
            self.conn,
            *self.contact_emails_sql(
                subjects, limit=limit, cursor=cursor, text=text, direction=direction
            ),
        )
        if not found and not cursor and not await timeline.exists("contact", subjects):
            return None
        page, more = found[:limit], len(found) > limit
        for r in page:
            r["source"] = {
                "type": "email" if r["direction"] == "outbound" else "incoming_email",
                "id": r["email_key"],
            }
        last = page[-1] if page else None
        return {
            "contact_id": contact_id,
            "emails": [hide(self.scope, r) for r in page],
            "next_cursor": cursors.encode(last["occurred_at"], last["position"]) if more else None,
        }

    def contact_emails_sql(
        self,
        subjects: list[str],
        *,
        limit: int,
        cursor: str | None,
        text: str | None,
        direction: str | None,
    ) -> tuple[str, tuple]:
        """The statement `contact_emails` runs (one email more than `limit`): each of
        `subjects`' emails read newest first (`contact_emails_newest`), at most a page of
        each, then merged. Its cost grows with the page and the merged contacts, never with
        a contact's history: reading every subject's emails at once (`contact_id = ANY`)
        and sorting them read all of them."""
        where, params = self.scope.where("c")
        if direction:
            where += " AND c.direction = %s"
            params.append(direction)
        if cursor:
            occurred_at, position = cursors.decode(cursor, (datetime, int))
            where += " AND (c.occurred_at, c.position) < (%s, %s)"
            params += [occurred_at, position]
        newest = (
            f"SELECT c.* FROM {CONTACT_EMAILS} c WHERE {where} AND c.contact_id = s.id "
            "ORDER BY c.occurred_at DESC, c.position DESC"
        )
        if text:  # every row is an email: without email permission, none matches
            # Applied to the emails as they come newest first (`OFFSET 0` keeps the filter
            # out of the read), in a form whose selectivity the planner does not take from
            # the statistics: as the timeline's text search (its entries_sql says why).
            matching = self.scope.text_filter("strpos(r.search_text, %s) > 0", EMAILS)
            newest = f"SELECT * FROM ({newest} OFFSET 0) r WHERE {matching}"
            params.append(text.lower())
        return (
            "SELECT DISTINCT ON (c.occurred_at, c.position, c.email_key) c.direction, "
            "c.email_key, c.occurred_at, c.position, c.contact_id, "
            "coalesce(o.subject, i.subject) AS subject, "
            "coalesce(i.snippet, left(o.content, 200)) AS snippet, "
            "coalesce(o.status, 'received') AS status, "
            "coalesce(i.sender_address, o.recipients->0->>'address') AS counterpart "
            f"FROM unnest(%s::text[]) s(id) CROSS JOIN LATERAL ({newest} LIMIT %s) c "
            f"LEFT JOIN {OUTGOING} o ON c.direction = 'outbound' "
            "AND o.workspace_id = c.workspace_id AND o.email_id = c.email_key "
            f"LEFT JOIN {INCOMING} i ON c.direction = 'inbound' "
            "AND i.workspace_id = c.workspace_id AND i.id = c.email_key "
            "ORDER BY c.occurred_at DESC, c.position DESC, c.email_key LIMIT %s",
            (subjects, *params, limit + 1, limit + 1),
        )

    async def mailbox_outgoing(
        self, mailbox_id: str, *, statuses: list[str], limit: int, cursor: str | None
    ) -> dict | None:
        """None when the caller's workspace knows no such mailbox (or none it may see)."""
        where, params = self.scope.where()
        where += " AND mailbox_id = %s"
        params.append(mailbox_id)
        if statuses:
            where += " AND status = ANY(%s)"
            params.append(statuses)
        if cursor:
            updated_at, email_id = cursors.decode(cursor, (datetime, str))
            where += " AND (updated_at, email_id) < (%s, %s)"
            params += [updated_at, email_id]
        found = await rows(
            self.conn,
            "SELECT email_id, status, subject, recipients, owner_user_id, team_id, attempts, "
            f"in_doubt, error, drafted_at, updated_at FROM {OUTGOING} "
            f"WHERE {where} ORDER BY updated_at DESC, email_id DESC LIMIT %s",
            (*params, limit + 1),
        )
        if not found and not cursor and not await self.mailbox_known(mailbox_id):
            return None
        page, more = found[:limit], len(found) > limit
        last = page[-1] if page else None
        return {
            "mailbox_id": mailbox_id,
            "emails": [hide(self.scope, r) for r in page],
            "next_cursor": cursors.encode(last["updated_at"], last["email_id"]) if more else None,
        }

    async def mailbox_known(self, mailbox_id: str) -> bool:
        """A mailbox is known once connected, or once an email of it was recorded."""
        where, params = self.scope.where()
        tables = [str(OUTGOING), str(INCOMING)]
        if (await rows(self.conn, "SELECT to_regclass('email_mailboxes') AS t", ()))[0]["t"]:
            tables.append("email_mailboxes")  # made by the sender or poller, once either ran
        checks = " OR ".join(
            f"EXISTS (SELECT 1 FROM {t} WHERE {where} AND mailbox_id = %s)" for t in tables
        )
        found = await rows(
            self.conn, f"SELECT {checks} AS known", [*params, mailbox_id] * len(tables)
        )
        return found[0]["known"]

    async def unknown_senders(self, *, limit: int, cursor: str | None) -> dict:
        where, params = self.scope.where()
        if cursor:
            last_seen_at, address = cursors.decode(cursor, (datetime, str))
            where += " AND (last_seen_at, address) < (%s, %s)"
            params += [last_seen_at, address]
        found = await rows(
            self.conn,
            "SELECT address, name, emails, first_seen_at, last_seen_at, last_subject, "
            f"last_email, mailbox_id, team_id FROM {UNKNOWN_SENDERS} "
            f"WHERE {where} ORDER BY last_seen_at DESC, address DESC LIMIT %s",
            (*params, limit + 1),
        )
        page, more = found[:limit], len(found) > limit
        last = page[-1] if page else None
        if not self.scope.email_access:
            page = [{**r, "address": None, "last_subject": None, "name": None} for r in page]
        return {
            "senders": page,
            "next_cursor": cursors.encode(last["last_seen_at"], last["address"]) if more else None,
        }
