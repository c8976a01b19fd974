"""Timelines: everything that happened with a contact, a lead or an account.

- contact events reach their contact (field updates only when significant);
- conversation events reach the conversation's contact, remembered from `opened`, and
  are owned by the conversation's current team;
- activities reach each contact, lead and account they name; a deleted activity's
  entries are marked deleted and the deletion is an entry of its own;
- sent and received emails reach each contact they were matched to (category `email`);
- merges are remembered, so a primary contact's timeline includes the merged ones';
- `badges` counts each record's activities, emails and closed interactions.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from domain.conversation.ownership import team_after
from projections.engine.base import Projection, Recorded, reader
from projections.engine.bulk import insert_many
from projections.shared.describe import COMMON_COLUMNS, COMMON_DDL, COMMON_PLACEHOLDERS
from projections.shared.erasure import affected, rewrite_common
from projections.timeline.rows import (
    OWN_PLACEHOLDERS,
    Row,
    activity_rows,
    email_rows,
    row,
    search_text,
)


class Timeline(Projection):
    name = "timeline"
    families = ("contact", "conversation", "email", "activity")
    # readers' only (erasures rewrite rows found by entries_position)
    deferred_indexes = ("entries_newest",)

    def tables(self) -> list[str]:
        s = self.schema
        return [
            f"""CREATE TABLE IF NOT EXISTS {s}.entries (
                workspace_id text NOT NULL,
                subject_type text NOT NULL,
                subject_id text NOT NULL,
                position bigint NOT NULL,
                category text NOT NULL,
                source_type text NOT NULL,
                source_id text NOT NULL,
                link_type text,
                link_id text,
                deleted boolean NOT NULL DEFAULT false,
                deleted_at timestamptz,
                search_text text NOT NULL,
                {COMMON_DDL},
                PRIMARY KEY (workspace_id, subject_type, subject_id, position))""",
            f"CREATE INDEX IF NOT EXISTS entries_newest ON {s}.entries "
            "(workspace_id, subject_type, subject_id, occurred_at DESC, position DESC)",
            f"CREATE INDEX IF NOT EXISTS entries_source ON {s}.entries "
            "(workspace_id, source_type, source_id)",
            # what a transaction wrote, for live subscribers (services/api/live)
            f"CREATE INDEX IF NOT EXISTS entries_position ON {s}.entries (position)",
            f"""CREATE TABLE IF NOT EXISTS {s}.conversations (
                workspace_id text NOT NULL,
                conversation_id text NOT NULL,
                contact_id text,
                team_id text,
                PRIMARY KEY (workspace_id, conversation_id))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.contact_merges (
                workspace_id text NOT NULL,
                merged_contact_id text NOT NULL,
                primary_contact_id text NOT NULL,
                merged_at timestamptz NOT NULL,
                PRIMARY KEY (workspace_id, merged_contact_id))""",
            f"CREATE INDEX IF NOT EXISTS contact_merges_primary ON {s}.contact_merges "
            "(workspace_id, primary_contact_id)",
            f"""CREATE TABLE IF NOT EXISTS {s}.badges (
                workspace_id text NOT NULL,
                subject_type text NOT NULL,
                subject_id text NOT NULL,
                count bigint NOT NULL,
                PRIMARY KEY (workspace_id, subject_type, subject_id))""",
        ]

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        conversations = await self._conversations(cur, events)
        rows: list[Row] = []
        merges: list[tuple] = []
        uncounted: list[Row] = []
        logged: dict[tuple, list[Row]] = {}  # this batch's activity entries, by source
        for r in events:
            family = r.type.split(".", 1)[0]
            if family == "contact":
                if r.type == "contact.updated" and not r.event.significant:
                    continue
                if r.type == "contact.merged_into":
                    merges.append(
                        (
                            r.meta.workspace_id,
                            r.event.contact_id,
                            r.event.primary_contact_id,
                            r.event.timestamp,
                        )
                    )
                subject = ("contact", r.event.contact_id)
                rows.append(row(r, subject, subject, team_id=r.meta.team_id))
            elif family == "conversation":
                key = (r.meta.workspace_id, r.event.conversation_id)
                contact, team = _follow(conversations, key, r)
                if contact:
                    rows.append(
                        row(
                            r,
                            ("contact", contact),
                            ("conversation", key[1]),
                            ("conversation", key[1]),
                            team,
                        )
                    )
            elif r.type in ("email.sent", "email.received"):
                rows.extend(email_rows(r))
            elif r.type == "activity.deleted":
                uncounted += await self._delete_activity(cur, r, rows, logged)
            elif family == "activity":
                for entry in activity_rows(r):
                    rows.append(entry)
                    logged.setdefault(entry.key, []).append(entry)
        await self._write(cur, rows, merges, conversations, uncounted)

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Each entry is its event's: summary, details, actor and search text again."""
        events = await affected(cur, erasure)
        await rewrite_common(cur, f"{self.schema}.entries", events, search_text)

    async def _write(
        self,
        cur: AsyncCursor,
        rows: list[Row],
        merges: list,
        conversations: dict,
        uncounted: list[Row],
    ) -> None:
        s = self.schema
        if conversations:
            await insert_many(
                cur,
                f"INSERT INTO {s}.conversations VALUES (%s, %s, %s, %s) ON CONFLICT "
                "(workspace_id, conversation_id) DO UPDATE SET contact_id = EXCLUDED.contact_id,"
                " team_id = EXCLUDED.team_id",
                [(*key, contact, team) for key, (contact, team) in conversations.items()],
            )
        if merges:
            await insert_many(
                cur,
                f"INSERT INTO {s}.contact_merges VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                merges,
            )
        if rows:
            await insert_many(
                cur,
                f"INSERT INTO {s}.entries ({Row.COLUMNS}, {COMMON_COLUMNS}) VALUES "
                f"({OWN_PLACEHOLDERS}, {COMMON_PLACEHOLDERS}) ON CONFLICT DO NOTHING",
                rows,
            )
        counts: dict[tuple, int] = {}
        for r in rows:
            if r.counted and not r.deleted:
                counts[r.subject] = counts.get(r.subject, 0) + 1
        for r in uncounted:
            counts[r.subject] = counts.get(r.subject, 0) - 1
        if counts:
            await insert_many(
                cur,
                f"INSERT INTO {s}.badges VALUES (%s, %s, %s, %s) ON CONFLICT (workspace_id, "
                "subject_type, subject_id) DO UPDATE SET count = badges.count + EXCLUDED.count",
                [(*key, n) for key, n in counts.items()],
            )

    async def _delete_activity(
        self, cur: AsyncCursor, r: Recorded, rows: list[Row], logged: dict[tuple, list[Row]]
    ) -> list:
        """Mark the activity's entries deleted; the deletion shows on the same timelines.
        Returns the entries that stop counting on a badge."""
        ws, activity_id = r.meta.workspace_id, r.event.activity_id
        cur = reader(cur)
        await cur.execute(
            f"UPDATE {self.schema}.entries SET deleted = true, deleted_at = %s WHERE "
            "workspace_id = %s AND source_type = 'activity' AND source_id = %s AND "
            "position < %s AND NOT deleted "
            f"RETURNING {Row.COLUMNS}, {COMMON_COLUMNS}",
            (r.event.timestamp, ws, activity_id, r.position),
        )
        stored = [Row(found) for found in await cur.fetchall()]
        pending = [x for x in logged.get((ws, "activity", activity_id), ()) if not x.deleted]
        for x in pending:  # logged and deleted in the same batch
            x.set("deleted", True)
            x.set("deleted_at", r.event.timestamp)
        gone = [x for x in stored if x.counted]
        for subject_type, subject_id, kind in sorted(
            {(x.subject_type, x.subject_id, x.category) for x in stored + pending}
        ):
            rows.append(
                row(
                    r,
                    (subject_type, subject_id),
                    ("activity", activity_id),
                    team_id=r.meta.team_id,
                    kind=kind,
                )
            )
        return gone

    async def _conversations(self, cur: AsyncCursor, events: Sequence[Recorded]) -> dict:
        """(workspace, conversation) -> [contact, owning team], for this batch's events."""
        keys = {
            (r.meta.workspace_id, r.event.conversation_id)
            for r in events
            if r.type.startswith("conversation.")
        }
        if not keys:
            return {}
        workspaces, ids = (list(column) for column in zip(*keys, strict=True))
        cur = reader(cur)
        await cur.execute(
            f"SELECT workspace_id, conversation_id, contact_id, team_id FROM {self.schema}"
            ".conversations WHERE (workspace_id, conversation_id) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[]))",
            (workspaces, ids),
        )
        return {(w, c): [contact, team] for w, c, contact, team in await cur.fetchall()}


def _follow(conversations: dict, key: tuple[str, str], r: Recorded) -> tuple:
    """The conversation's contact and owning team after event `r`."""
    if r.type == "conversation.opened":
        conversations[key] = [r.event.contact_id, None]
    state = conversations.setdefault(key, [None, None])
    state[1] = team_after(r.event, state[1])
    return state[0], state[1]
