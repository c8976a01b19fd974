"""The activity grid's new rows of one batch, kept in memory until the batch ends.

Inserted one by one, every activity and closed interaction was a statement of its own.
Here they wait and go in one bulk insert at the end; the statements that change rows
already stored (a rename, a deletion) still run as they come, and are applied to the
waiting rows too, in the same order, so the rows end the same. Contact names go the same
way, the last one of the batch written (GridLookup answers from memory meanwhile).
"""

from __future__ import annotations

from psycopg import AsyncCursor

from projections.activity_grid.tables import ACTIVITIES, CONTACTS
from projections.engine.bulk import insert_many

# places in a waiting row (every column of ACTIVITIES, in order)
CONTACT, CONTACT_NAME, DELETED, CHANGED = (
    ACTIVITIES.columns.index(c)
    for c in ("contact_id", "contact_name", "deleted", "changed_position")
)


class PendingRows:
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.activities: dict[tuple[str, str], list] = {}  # the first wins, as ON CONFLICT
        self.by_contact: dict[tuple[str, str], list[list]] = {}
        self.contacts: dict[tuple[str, str], str | None] = {}

    def insert(self, values: tuple) -> None:
        key = (values[0], values[1])
        if key not in self.activities:
            row = self.activities[key] = [*values, False, None]  # not deleted, not changed
            if values[CONTACT] is not None:
                self.by_contact.setdefault((values[0], values[CONTACT]), []).append(row)

    def rename(self, key: tuple[str, str], name: str | None, position: int) -> None:
        """UPDATE ... SET contact_name, changed_position WHERE contact AND NOT deleted."""
        self.contacts[key] = name
        for row in self.by_contact.get(key, ()):
            if not row[DELETED]:
                row[CONTACT_NAME], row[CHANGED] = name, position

    def delete(self, key: tuple[str, str], position: int) -> None:
        """UPDATE ... SET deleted = true, changed_position WHERE activity_id."""
        row = self.activities.get(key)
        if row is not None:
            row[DELETED], row[CHANGED] = True, position

    async def flush(self, cur: AsyncCursor) -> None:
        s = self.schema
        if self.contacts:
            await insert_many(
                cur,
                f"INSERT INTO {CONTACTS.at(s)} VALUES (%s, %s, %s) ON CONFLICT (workspace_id, "
                "contact_id) DO UPDATE SET name = EXCLUDED.name",
                [(*key, name) for key, name in self.contacts.items()],
            )
        if self.activities:
            await insert_many(
                cur,
                f"INSERT INTO {ACTIVITIES.at(s)} ({ACTIVITIES.names()}) VALUES "
                f"({', '.join(['%s'] * len(ACTIVITIES.columns))}) ON CONFLICT DO NOTHING",
                list(self.activities.values()),
            )
