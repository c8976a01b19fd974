"""The contacts report and its logs (seed 004): contacts added, connected, deleted, merged.

- `counts` is the report table: one row per (workspace, metric, 15-minute UTC bucket,
  source, channel, team) with a count, so a report reads a number of rows bounded by its
  range and the workspace's sources, channels and teams, never by its contacts (see
  projections/shared/buckets.py for why 15-minute UTC buckets); `user_counts` adds the
  user, for the user filter only, so the many users of a large workspace multiply nothing;
- `logs` has one row per added / connected / deleted / merged event, the seed's columns;
  the contact filter, which needs per-contact rows, counts from here;
- `day_counts` and `day_user_counts` hold the same per local day of the workspace's
  zone, which a report in that zone reads instead (projections/shared/days.py);
- `contacts` keeps each contact's current name and where it was merged, for the logs'
  name column and the contact filter.

A log row's user is set when a user did it: for added and connected only when the source
is `user` (seed 004: "only applies when the source is user"); deletions and merges are
always by a user. The merged log has a row per merged-away contact, naming the primary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from psycopg import AsyncCursor

from domain import workspace as W
from domain.contact import Contact
from projections.contacts_report.tables import (
    CONTACTS,
    COUNTED,
    LOGS,
    USER_COUNTED,
    ddl,
)
from projections.engine.base import Recorded
from projections.engine.bulk import insert_many
from projections.shared.buckets import bucket
from projections.shared.days import rezone
from projections.shared.deferred_days import DefersDays
from projections.shared.erasure import affected, current_names, names
from projections.shared.handlers import Model, handles

LOGGED = {
    Contact.Added: "added",
    Contact.Connected: "connected",
    Contact.Deleted: "deleted",
    Contact.MergedInto: "merged",
}


@dataclass
class Batch:
    logs: list[tuple] = field(default_factory=list)
    added: list[tuple] = field(default_factory=list)
    renamed: list[tuple] = field(default_factory=list)
    merged: list[tuple] = field(default_factory=list)
    counts: dict[tuple, int] = field(default_factory=dict)
    user_counts: dict[tuple, int] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)  # workspace -> its new zone


def log_row(r: Recorded) -> tuple:
    e, meta, log = r.event, r.meta, LOGGED[type(r.event)]
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
    return (meta.workspace_id, r.position, log, meta.occurred_at, contact, merged, source,
            channel, user_id, user_name, meta.team_id)  # fmt: skip


def _name(value) -> str | None:
    return value if value is None or isinstance(value, str) else ", ".join(value)


class ContactsReport(DefersDays, Model):
    name = "contacts_report"
    version = 2  # 2: counts per local day of the workspace's zone
    cost = 0.6  # CPU seconds per 200k events of a rebuild (relative: engine/together.py)
    # readers' only
    deferred_indexes = ("logs_newest", "logs_contact", "logs_merged_contact", "contacts_name")
    rollups = (COUNTED, USER_COUNTED)  # their days cut once a rebuild's rows are in

    def tables(self) -> list[str]:
        return ddl(self.schema)

    async def begin(self, cur: AsyncCursor, events: Sequence[Recorded]) -> Batch:
        return Batch()

    @handles(*LOGGED)
    def logged(self, b: Batch, r: Recorded) -> None:
        """A log row, counted in its bucket (and its user's, when a user did it)."""
        row = log_row(r)
        b.logs.append(row)
        ws, _, metric, at, _, _, source, channel, user_id, _, team_id = row
        key = (ws, metric, bucket(at), source, channel, team_id)
        b.counts[key] = b.counts.get(key, 0) + 1
        if user_id is not None:
            key = (ws, metric, user_id, bucket(at), source, channel, team_id)
            b.user_counts[key] = b.user_counts.get(key, 0) + 1

    @handles(Contact.Added)
    def added(self, b: Batch, r: Recorded) -> None:
        b.added.append((r.meta.workspace_id, r.event.contact_id, r.event.name))

    @handles(Contact.Updated)
    def renamed(self, b: Batch, r: Recorded) -> None:
        if r.event.field == "name":
            b.renamed.append((_name(r.event.new), r.meta.workspace_id, r.event.contact_id))

    @handles(W.TimeZoneChanged)
    def time_zone_changed(self, b: Batch, r: Recorded) -> None:
        """The workspace's days are cut again in its new zone (at the batch's end)."""
        b.zones[r.meta.workspace_id] = r.event.new_time_zone

    @handles(Contact.MergedInto)
    def merged(self, b: Batch, r: Recorded) -> None:
        e = r.event
        b.merged.append((e.primary_contact_id, r.meta.workspace_id, e.contact_id))

    async def end(self, cur: AsyncCursor, b: Batch) -> None:
        s = self.schema
        if b.added:
            await insert_many(
                cur,
                f"INSERT INTO {CONTACTS.at(s)} VALUES (%s, %s, %s, NULL) ON CONFLICT DO NOTHING",
                b.added,
            )
        where = "WHERE workspace_id = %s AND contact_id = %s"
        if b.renamed:  # in log order, after the contacts they rename were added
            await cur.executemany(f"UPDATE {CONTACTS.at(s)} SET name = %s {where}", b.renamed)
        if b.merged:
            await cur.executemany(f"UPDATE {CONTACTS.at(s)} SET merged_into = %s {where}", b.merged)
        if b.logs:
            await insert_many(
                cur,
                f"INSERT INTO {LOGS.at(s)} ({LOGS.names()}) VALUES "
                f"({', '.join(['%s'] * len(LOGS.columns))}) ON CONFLICT DO NOTHING",
                b.logs,
            )
        await COUNTED.add(cur, s, [(*key, n) for key, n in b.counts.items()])
        await USER_COUNTED.add(cur, s, [(*key, n) for key, n in b.user_counts.items()])
        # after the batch's counts, which are cut again too
        await rezone(cur, s, b.zones, COUNTED, USER_COUNTED)

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Names are the only personal data here (a log's user is a colleague): each
        renamed contact's name again from its latest name-giving event."""
        renamed = {r.event.contact_id for r in await affected(cur, erasure) if names(r)}
        ws = erasure.meta.workspace_id
        found = await current_names(cur, ws, sorted(renamed), erasure.position)
        if found:
            await cur.executemany(
                f"UPDATE {CONTACTS.at(self.schema)} SET name = %s "
                "WHERE workspace_id = %s AND contact_id = %s",
                [(_name(name), ws, c) for c, (_, name) in found.items()],
            )
