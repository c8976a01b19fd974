"""Timelines: everything that happened with a contact, a lead or an account.

- contact events reach their contact (field updates only when significant);
- conversation events reach the conversation's contact, remembered from `opened`, and
  are owned by the conversation's current team (domain/conversation/ownership.py); each
  names the conversation's channel (for the email rule, shared/visibility.py);
- activities reach each contact, lead and account they name; a deleted activity's
  entries are marked deleted and the deletion is an entry of its own;
- sent and received emails reach each contact they were matched to (category `email`);
- merges are remembered, and a merged contact's entries are written once more for each
  timeline that shows them (merges.py), so a primary contact's timeline includes them;
- `badges` counts each record's activities, emails and closed interactions, by team of
  the entries (a contact's with those of the contacts merged into it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from psycopg import AsyncCursor

from domain.activity import Activity
from domain.contact import Contact
from domain.conversation import Conversation
from domain.conversation.ownership import team_after
from domain.incoming_email import IncomingEmail
from domain.outgoing_email import OutgoingEmail
from projections.engine.base import Recorded, reader
from projections.engine.bulk import insert_many
from projections.shared.erasure import affected, rewrite_common
from projections.shared.handlers import Model, handles
from projections.timeline import merges
from projections.timeline.rows import PLACEHOLDERS, Row, activity_rows, email_rows, row, search_text
from projections.timeline.tables import BADGES, CONTACT_MERGES, CONVERSATIONS, ENTRIES, ddl


@dataclass
class Batch:
    cur: AsyncCursor
    conversations: dict  # (workspace, conversation) -> [contact, owning team, channel]
    rows: list[Row] = field(default_factory=list)
    merges: list[tuple] = field(default_factory=list)
    uncounted: list[Row] = field(default_factory=list)  # stored entries no longer counted
    logged: dict[tuple, list[Row]] = field(default_factory=dict)  # this batch's, by source


class Timeline(Model):
    name = "timeline"
    cost = 12.6  # CPU seconds per 200k events of a rebuild (relative: engine/together.py)
    # 2: conversation entries name their conversation's channel; 3: merged contacts' entries
    # on the timelines they were merged into (merged_entries), and on their badges;
    # 4: badges counted by team (a team-limited caller's badge without counting entries)
    version = 4
    # readers' only (erasures rewrite rows found by entries_position)
    deferred_indexes = ("entries_newest",)

    def tables(self) -> list[str]:
        return ddl(self.schema)

    @handles(Contact.Event)
    def contact(self, b: Batch, r: Recorded) -> None:
        if type(r.event) is Contact.Updated and not r.event.significant:
            return
        subject = ("contact", r.event.contact_id)
        b.rows.append(row(r, subject, subject, team_id=r.meta.team_id))

    @handles(Contact.MergedInto)
    def merged(self, b: Batch, r: Recorded) -> None:
        e = r.event
        b.merges.append((r.meta.workspace_id, e.contact_id, e.primary_contact_id, e.timestamp))

    @handles(Conversation.Event)
    def conversation(self, b: Batch, r: Recorded) -> None:
        """On the contact's timeline, owned by the conversation's team after the event."""
        key = (r.meta.workspace_id, r.event.conversation_id)
        if type(r.event) is Conversation.Opened:
            b.conversations[key] = [r.event.contact_id, None, r.event.channel]
        state = b.conversations.setdefault(key, [None, None, None])
        state[1] = team_after(r.event, state[1])
        if state[0]:
            about = ("conversation", key[1])
            b.rows.append(row(r, ("contact", state[0]), about, about, state[1], channel=state[2]))

    @handles(OutgoingEmail.Sent, IncomingEmail.Received)
    def email(self, b: Batch, r: Recorded) -> None:
        b.rows.extend(email_rows(r))

    @handles(Activity.Logged, Activity.TicketCreated, Activity.WidgetChatStarted)
    def activity(self, b: Batch, r: Recorded) -> None:
        for entry in activity_rows(r):
            b.rows.append(entry)
            b.logged.setdefault(entry.key, []).append(entry)

    @handles(Activity.Deleted)
    async def activity_deleted(self, b: Batch, r: Recorded) -> None:
        """Mark the activity's entries deleted; the deletion shows on the same timelines."""
        ws, activity_id = r.meta.workspace_id, r.event.activity_id
        cur = reader(b.cur)
        await cur.execute(
            f"UPDATE {ENTRIES.at(self.schema)} SET deleted = true, deleted_at = %s WHERE "
            "workspace_id = %s AND source_type = 'activity' AND source_id = %s AND "
            f"position < %s AND NOT deleted RETURNING {ENTRIES.names()}",
            (r.event.timestamp, ws, activity_id, r.position),
        )
        stored = [Row(found) for found in await cur.fetchall()]
        pending = [x for x in b.logged.get((ws, "activity", activity_id), ()) if not x.deleted]
        for x in pending:  # logged and deleted in the same batch
            x.set("deleted", True)
            x.set("deleted_at", r.event.timestamp)
        b.uncounted += [x for x in stored if x.counted]
        for subject_type, subject_id, kind in sorted(
            {(x.subject_type, x.subject_id, x.category) for x in stored + pending}
        ):
            subject, source = (subject_type, subject_id), ("activity", activity_id)
            b.rows.append(row(r, subject, source, team_id=r.meta.team_id, kind=kind))

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Each entry is its event's: summary, details, actor and search text again."""
        events = await affected(cur, erasure)
        await rewrite_common(cur, ENTRIES.at(self.schema), events, search_text)

    async def begin(self, cur: AsyncCursor, events: Sequence[Recorded]) -> Batch:
        """The batch's conversations: (workspace, conversation) -> [contact, owning team,
        channel]."""
        keys = {
            (r.meta.workspace_id, r.event.conversation_id)
            for r in events
            if isinstance(r.event, Conversation.Event)
        }
        if not keys:
            return Batch(cur, {})
        workspaces, ids = (list(column) for column in zip(*keys, strict=True))
        found = reader(cur)
        await found.execute(
            f"SELECT workspace_id, conversation_id, contact_id, team_id, channel FROM "
            f"{CONVERSATIONS.at(self.schema)} WHERE (workspace_id, conversation_id) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[]))",
            (workspaces, ids),
        )
        return Batch(cur, {(w, c): [k, t, ch] for w, c, k, t, ch in await found.fetchall()})

    async def end(self, cur: AsyncCursor, b: Batch) -> None:
        s = self.schema
        if b.conversations:
            await insert_many(
                cur,
                f"INSERT INTO {CONVERSATIONS.at(s)} VALUES (%s, %s, %s, %s, %s) ON CONFLICT "
                "(workspace_id, conversation_id) DO UPDATE SET contact_id = EXCLUDED.contact_id,"
                " team_id = EXCLUDED.team_id, channel = EXCLUDED.channel",
                [(*key, *state) for key, state in b.conversations.items()],
            )
        if b.merges:
            await insert_many(
                cur,
                f"INSERT INTO {CONTACT_MERGES.at(s)} VALUES (%s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                b.merges,
            )
        if b.rows:
            await insert_many(
                cur,
                f"INSERT INTO {ENTRIES.at(s)} ({ENTRIES.names()}) VALUES ({PLACEHOLDERS}) "
                "ON CONFLICT DO NOTHING",
                b.rows,
            )
        counts: dict[tuple, int] = {}  # by record and team (badges)
        for x in b.rows:
            if x.counted and not x.deleted:
                key = (*x.subject, x.team_id or "")
                counts[key] = counts.get(key, 0) + 1
        for x in b.uncounted:
            key = (*x.subject, x.team_id or "")
            counts[key] = counts.get(key, 0) - 1
        if counts:
            await insert_many(
                cur,
                f"INSERT INTO {BADGES.at(s)} VALUES (%s, %s, %s, %s, %s) ON CONFLICT "
                "(workspace_id, subject_type, subject_id, team_id) "
                "DO UPDATE SET count = badges.count + EXCLUDED.count",
                [(*key, n) for key, n in counts.items()],
            )
        emptied = [key for key, n in counts.items() if n < 0]
        if emptied:  # no row for nothing, as when the log and the deletion share a batch
            await b.cur.execute(
                f"DELETE FROM {BADGES.at(s)} WHERE count = 0 AND (workspace_id, subject_type, "
                "subject_id, team_id) IN "
                "(SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]))",
                [list(column) for column in zip(*emptied, strict=True)],
            )
        # merged contacts on the timelines (and badges) they were merged into: merges.py
        await merges.uncount(cur, s, [x for x in b.uncounted if x.subject_type == "contact"])
        fresh = {(x.workspace_id, x.subject_id) for x in b.rows if x.subject_type == "contact"}
        first = min((x.position for x in b.rows), default=0)
        await merges.spread(cur, s, first, fresh, b.merges)
