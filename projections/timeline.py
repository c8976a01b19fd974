"""Timelines: everything that happened with a contact, a lead or an account.

- contact events reach their contact (field updates only when significant);
- conversation events reach the conversation's contact, remembered from `opened`;
- activities reach each contact, lead and account they name; a deleted activity's
  entries are marked deleted and the deletion is an entry of its own;
- merges are remembered, so a primary contact's timeline includes the merged ones'.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from projections.base import Projection, Recorded
from projections.describe import COMMON_COLUMNS, COMMON_DDL, COMMON_PLACEHOLDERS, common_columns

SUBJECTS = ("contact", "lead", "account")


class Timeline(Projection):
    name = "timeline"

    def tables(self) -> list[str]:
        s = self.schema
        return [
            f"""CREATE TABLE IF NOT EXISTS {s}.entries (
                workspace_id text NOT NULL,
                subject_type text NOT NULL,
                subject_id text NOT NULL,
                position bigint NOT NULL,
                source_type text NOT NULL,
                source_id text NOT NULL,
                link_type text,
                link_id text,
                deleted boolean NOT NULL DEFAULT false,
                {COMMON_DDL},
                PRIMARY KEY (workspace_id, subject_type, subject_id, position))""",
            f"CREATE INDEX IF NOT EXISTS entries_newest ON {s}.entries "
            "(workspace_id, subject_type, subject_id, occurred_at DESC, position DESC)",
            f"""CREATE TABLE IF NOT EXISTS {s}.conversation_contacts (
                workspace_id text NOT NULL,
                conversation_id text NOT NULL,
                contact_id text NOT NULL,
                PRIMARY KEY (workspace_id, conversation_id))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.contact_merges (
                workspace_id text NOT NULL,
                merged_contact_id text NOT NULL,
                primary_contact_id text NOT NULL,
                PRIMARY KEY (workspace_id, merged_contact_id))""",
        ]

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        contacts = await self._conversation_contacts(cur, events)
        rows, links, merges = [], [], []
        for r in events:
            ws = r.meta.workspace_id
            kind = r.type.split(".", 1)[0]
            if kind == "contact":
                if r.type == "contact.updated" and not r.event.significant:
                    continue
                if r.type == "contact.merged_into":
                    merges.append((ws, r.event.contact_id, r.event.primary_contact_id))
                rows.append(_row(r, "contact", r.event.contact_id, "contact", r.event.contact_id))
            elif kind == "conversation":
                key = (ws, r.event.conversation_id)
                if r.type == "conversation.opened" and r.event.contact_id:
                    contacts[key] = r.event.contact_id
                    links.append((*key, r.event.contact_id))
                if key in contacts:
                    rows.append(
                        _row(
                            r,
                            "contact",
                            contacts[key],
                            "conversation",
                            key[1],
                            ("conversation", key[1]),
                        )
                    )
            elif r.type == "activity.deleted":
                await self._delete_activity(cur, r, rows)
            elif kind == "activity":
                rows.extend(_activity_rows(r))
        await self._write(cur, rows, links, merges)

    async def _write(self, cur: AsyncCursor, rows: list, links: list, merges: list) -> None:
        s = self.schema
        if links:
            await cur.executemany(
                f"INSERT INTO {s}.conversation_contacts VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                links,
            )
        if merges:
            await cur.executemany(
                f"INSERT INTO {s}.contact_merges VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", merges
            )
        if rows:
            await cur.executemany(
                f"INSERT INTO {s}.entries (workspace_id, subject_type, subject_id, position, "
                f"source_type, source_id, link_type, link_id, deleted, {COMMON_COLUMNS}) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, {COMMON_PLACEHOLDERS}) "
                "ON CONFLICT DO NOTHING",
                rows,
            )

    async def _delete_activity(self, cur: AsyncCursor, r: Recorded, rows: list) -> None:
        """Mark the activity's entries deleted; the deletion shows on the same timelines."""
        ws, activity_id = r.meta.workspace_id, r.event.activity_id
        await cur.execute(
            f"UPDATE {self.schema}.entries SET deleted = true WHERE workspace_id = %s "
            "AND source_type = 'activity' AND source_id = %s AND position < %s "
            "RETURNING subject_type, subject_id",
            (ws, activity_id, r.position),
        )
        subjects = set(await cur.fetchall())
        mine = [row for row in rows if row[0] == ws and row[4:6] == ["activity", activity_id]]
        pending = {(row[1], row[2]) for row in mine}
        for row in mine:  # logged and deleted in the same batch
            row[8] = True
        for subject_type, subject_id in sorted(subjects | pending):
            rows.append(_row(r, subject_type, subject_id, "activity", activity_id))

    async def _conversation_contacts(
        self, cur: AsyncCursor, events: Sequence[Recorded]
    ) -> dict[tuple[str, str], str]:
        keys = {
            (r.meta.workspace_id, r.event.conversation_id)
            for r in events
            if r.type.startswith("conversation.") and r.type != "conversation.opened"
        }
        if not keys:
            return {}
        workspaces, ids = (list(column) for column in zip(*keys, strict=True))
        await cur.execute(
            f"SELECT workspace_id, conversation_id, contact_id FROM {self.schema}"
            ".conversation_contacts WHERE (workspace_id, conversation_id) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[]))",
            (workspaces, ids),
        )
        return {(w, c): contact for w, c, contact in await cur.fetchall()}


def _row(
    r: Recorded,
    subject_type: str,
    subject_id: str,
    source_type: str,
    source_id: str,
    link: tuple[str, str] | None = None,
) -> list:
    link_type, link_id = link or (None, None)
    return [
        r.meta.workspace_id,
        subject_type,
        subject_id,
        r.position,
        source_type,
        source_id,
        link_type,
        link_id,
        False,
        *common_columns(r),
    ]


def _activity_rows(r: Recorded) -> list[list]:
    details = r.event.details
    link = (details.model.type, details.model.id) if details.model else None
    return [
        _row(r, kind, ref.id, "activity", r.event.activity_id, link)
        for kind in SUBJECTS
        if (ref := getattr(details, kind)) is not None
    ]
