"""The contacts report and its logs (seed 004): contacts added, connected, deleted, merged.

- `counts` is the report table: one row per (workspace, metric, 15-minute UTC bucket,
  source, channel, team) with a count, so a report reads a number of rows bounded by its
  range and the workspace's sources, channels and teams, never by its contacts (see
  projections/buckets.py for why 15-minute UTC buckets); `user_counts` adds the user, for
  the user filter only, so the many users of a large workspace multiply nothing else;
- `logs` has one row per added / connected / deleted / merged event, the seed's columns;
  the contact filter, which needs per-contact rows, counts from here;
- `contacts` keeps each contact's current name and where it was merged, for the logs'
  name column and the contact filter.

A log row's user is set when a user did it: for added and connected only when the source
is `user` (seed 004: "only applies when the source is user"); deletions and merges are
always by a user. The merged log has a row per merged-away contact, naming the primary.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from projections.engine.base import Projection, Recorded
from projections.engine.bulk import insert_many
from projections.shared.buckets import bucket
from projections.shared.erasure import affected, current_names, names

LOGS = {
    "contact.added": "added",
    "contact.connected": "connected",
    "contact.deleted": "deleted",
    "contact.merged_into": "merged",
}
LOG_COLUMNS = (
    "workspace_id, position, log, occurred_at, contact_id, merged_contact_id, source, "
    "channel, user_id, user_name, team_id"
)
DIMENSIONS = "workspace_id, metric, bucket, source, channel, team_id"
USER_DIMENSIONS = "workspace_id, metric, user_id, bucket, source, channel, team_id"


def log_row(r: Recorded) -> tuple:
    e, meta, log = r.event, r.meta, LOGS[r.type]
    by_user = meta.actor.type == "user"
    source, channel, contact, merged = "user", None, e.contact_id, None
    if log in ("added", "connected"):
        source = e.source
        by_user = by_user and source == "user"
    if log == "connected":
        channel = e.channel
    if log == "merged":  # the row names the primary, as the seed's merged log does
        contact, merged = e.primary_contact_id, e.contact_id
    user_id, user_name = (meta.actor.id, meta.actor.name) if by_user else (None, None)
    return (
        meta.workspace_id,
        r.position,
        log,
        meta.occurred_at,
        contact,
        merged,
        source,
        channel,
        user_id,
        user_name,
        meta.team_id,
    )


def _name(value) -> str | None:
    return value if value is None or isinstance(value, str) else ", ".join(value)


class ContactsReport(Projection):
    name = "contacts_report"
    families = ("contact",)
    # readers' only
    deferred_indexes = ("logs_newest", "logs_contact", "logs_merged_contact", "contacts_name")

    def tables(self) -> list[str]:
        s = self.schema
        return [
            f"""CREATE TABLE IF NOT EXISTS {s}.counts (
                workspace_id text NOT NULL, metric text NOT NULL, bucket timestamptz NOT NULL,
                source text, channel text, team_id text, count bigint NOT NULL,
                CONSTRAINT counts_key UNIQUE NULLS NOT DISTINCT ({DIMENSIONS}))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.user_counts (
                workspace_id text NOT NULL, metric text NOT NULL, user_id text NOT NULL,
                bucket timestamptz NOT NULL, source text, channel text, team_id text,
                count bigint NOT NULL,
                CONSTRAINT user_counts_key UNIQUE NULLS NOT DISTINCT ({USER_DIMENSIONS}))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.logs (
                workspace_id text NOT NULL, position bigint NOT NULL, log text NOT NULL,
                occurred_at timestamptz NOT NULL, contact_id text NOT NULL,
                merged_contact_id text, source text NOT NULL, channel text, user_id text,
                user_name text, team_id text, PRIMARY KEY (workspace_id, position))""",
            f"CREATE INDEX IF NOT EXISTS logs_newest ON {s}.logs "
            "(workspace_id, log, occurred_at DESC, position DESC)",
            f"CREATE INDEX IF NOT EXISTS logs_contact ON {s}.logs "
            "(workspace_id, contact_id, occurred_at)",
            f"CREATE INDEX IF NOT EXISTS logs_merged_contact ON {s}.logs "
            "(workspace_id, merged_contact_id) WHERE merged_contact_id IS NOT NULL",
            f"""CREATE TABLE IF NOT EXISTS {s}.contacts (
                workspace_id text NOT NULL, contact_id text NOT NULL, name text,
                merged_into text, PRIMARY KEY (workspace_id, contact_id))""",
            f"CREATE INDEX IF NOT EXISTS contacts_name ON {s}.contacts (workspace_id, lower(name))",
            f"CREATE INDEX IF NOT EXISTS contacts_merged_into ON {s}.contacts "
            "(workspace_id, merged_into) WHERE merged_into IS NOT NULL",
        ]

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Names are the only personal data here (a log's user is a colleague): each
        renamed contact's name again from its latest name-giving event."""
        renamed = {r.event.contact_id for r in await affected(cur, erasure) if names(r)}
        ws = erasure.meta.workspace_id
        found = await current_names(cur, ws, sorted(renamed), erasure.position)
        if found:
            await cur.executemany(
                f"UPDATE {self.schema}.contacts SET name = %s "
                "WHERE workspace_id = %s AND contact_id = %s",
                [(_name(name), ws, c) for c, (_, name) in found.items()],
            )

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        s = self.schema
        logs, added, renamed, merged = [], [], [], []
        counts: dict[tuple, int] = {}
        user_counts: dict[tuple, int] = {}
        for r in events:
            if r.type == "contact.updated" and r.event.field == "name":
                renamed.append((_name(r.event.new), r.meta.workspace_id, r.event.contact_id))
            if r.type not in LOGS:
                continue
            row = log_row(r)
            logs.append(row)
            ws, _, metric, at, _, _, source, channel, user_id, _, team_id = row
            key = (ws, metric, bucket(at), source, channel, team_id)
            counts[key] = counts.get(key, 0) + 1
            if user_id is not None:
                key = (ws, metric, user_id, bucket(at), source, channel, team_id)
                user_counts[key] = user_counts.get(key, 0) + 1
            if r.type == "contact.added":
                added.append((ws, r.event.contact_id, r.event.name))
            elif r.type == "contact.merged_into":
                merged.append((r.event.primary_contact_id, ws, r.event.contact_id))
        if added:
            await insert_many(
                cur,
                f"INSERT INTO {s}.contacts VALUES (%s, %s, %s, NULL) ON CONFLICT DO NOTHING",
                added,
            )
        where = "WHERE workspace_id = %s AND contact_id = %s"
        if renamed:  # in log order, after the contacts they rename were added
            await cur.executemany(f"UPDATE {s}.contacts SET name = %s {where}", renamed)
        if merged:
            await cur.executemany(f"UPDATE {s}.contacts SET merged_into = %s {where}", merged)
        if logs:
            await insert_many(
                cur,
                f"INSERT INTO {s}.logs ({LOG_COLUMNS}) VALUES ({', '.join(['%s'] * 11)}) "
                "ON CONFLICT DO NOTHING",
                logs,
            )
        for table, found in (("counts", counts), ("user_counts", user_counts)):
            if found:
                columns = USER_DIMENSIONS if table == "user_counts" else DIMENSIONS
                await insert_many(
                    cur,
                    f"INSERT INTO {s}.{table} ({columns}, count) VALUES "
                    f"({', '.join(['%s'] * (len(next(iter(found))) + 1))}) ON CONFLICT ON "
                    f"CONSTRAINT {table}_key DO UPDATE SET count = {table}.count + EXCLUDED.count",
                    [(*key, n) for key, n in found.items()],
                )
