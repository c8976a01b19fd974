"""The activity grid's changes to rows already stored, gathered into a few statements.

Run as they came, a contact's rename, a conversation's opening and its reassignment were
a statement each: ~57,000 per 200,000 events of the benchmark's workload, each costing
psycopg and PostgreSQL more than the row it changes. Here they wait, and go as one
statement of each kind (`flush`), at the batch's end or before anything that must see them
done: any read of the tables during the batch (GridLookup), and for the renames a
deletion too (a rename skips deleted rows, so renames before a deletion run before it).
Flushing everything at each deletion made ~35 conversation UPDATEs a batch, which cost
more than the statements they replaced in a 10M-event rebuild. Between two flushes the
statements commute except on the same key, where the last one wins, and that is what is
kept: the last rename of each contact, the first opening of each conversation (INSERT ...
ON CONFLICT DO NOTHING) and its last owner. A reassignment changes only a row that exists
(the projection asks GridLookup first), so openings go in before owners are set.
"""

from __future__ import annotations

from psycopg import AsyncCursor

from projections.activity_grid.tables import ACTIVITIES, CONVERSATIONS
from projections.engine.base import reader
from projections.engine.bulk import insert_many

Key = tuple[str, str]


class DeferredChanges:
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.opened: dict[Key, tuple] = {}  # (contact, team, channel): the first wins
        self.owners: dict[Key, tuple] = {}  # (agent, team): the last wins
        self.renames: dict[Key, tuple] = {}  # (name, position): the last wins

    def open(self, key: Key, contact_id: str | None, team_id: str | None, channel: str) -> None:
        self.opened.setdefault(key, (contact_id, team_id, channel))

    def reassign(self, key: Key, agent_id: str | None, team_id: str | None) -> None:
        self.owners[key] = (agent_id, team_id)

    def rename(self, key: Key, name: str | None, position: int) -> None:
        self.renames[key] = (name, position)

    async def flush(self, cur: AsyncCursor) -> None:
        """Run what waits, in the order that gives what running each as it came gave."""
        s = self.schema
        if self.opened:
            await insert_many(
                cur,
                f"INSERT INTO {CONVERSATIONS.at(s)} VALUES (%s, %s, %s, NULL, %s, %s) "
                "ON CONFLICT DO NOTHING",
                [(*key, *values) for key, values in self.opened.items()],
            )
        if self.owners:
            await reader(cur).execute(
                f"UPDATE {CONVERSATIONS.at(s)} c SET agent_id = u.agent_id, team_id = u.team_id "
                "FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) "
                "AS u(ws, conversation_id, agent_id, team_id) "
                "WHERE c.workspace_id = u.ws AND c.conversation_id = u.conversation_id",
                _columns([(*key, *owner) for key, owner in self.owners.items()]),
            )
        await self.flush_renames(cur)
        self.opened, self.owners = {}, {}

    async def flush_renames(self, cur: AsyncCursor) -> None:
        """Run the waiting renames only: a deletion interacts with them alone (the
        conversations' statements wait for the batch's end)."""
        if self.renames:
            # NOT deleted: the rows the grid shows, found by activities_contact_id (a
            # partial index) instead of a scan of the workspace's activities
            await reader(cur).execute(
                f"UPDATE {ACTIVITIES.at(self.schema)} a SET contact_name = u.name, "
                "changed_position = u.position FROM unnest(%s::text[], %s::text[], "
                "%s::text[], %s::bigint[]) AS u(ws, contact_id, name, position) "
                "WHERE a.workspace_id = u.ws AND a.contact_id = u.contact_id AND NOT a.deleted",
                _columns([(*key, *rename) for key, rename in self.renames.items()]),
            )
        self.renames = {}


def _columns(rows: list[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)]
