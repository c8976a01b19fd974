"""Write one batch of the communication projection back, in bulk (see projector.py)."""

from __future__ import annotations

from psycopg import AsyncCursor

from projections.communication import merges
from projections.communication.state import Batch
from projections.communication.tables import (
    ACTIVITIES,
    CONTACTS,
    CONVERSATIONS,
    RESPONSE_DAYS,
    TEAMS,
    VOLUME_DAYS,
)
from projections.engine.bulk import insert_many
from projections.shared.days import rezone


async def write(cur: AsyncCursor, s: str, batch: Batch) -> None:
    if batch.conversations:
        await insert_many(
            cur,
            f"INSERT INTO {CONVERSATIONS.at(s)} VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT "
            "(workspace_id, conversation_id) DO UPDATE SET contact_id = EXCLUDED.contact_id,"
            " team_id = EXCLUDED.team_id, first_inbound_at = EXCLUDED.first_inbound_at, "
            "first_response_at = EXCLUDED.first_response_at, "
            "awaiting_since = EXCLUDED.awaiting_since",
            [
                (
                    *key,
                    c.contact_id,
                    c.team_id,
                    c.first_inbound_at,
                    c.first_response_at,
                    c.awaiting_since,
                )
                for key, c in batch.conversations.items()
            ],
        )
    if batch.touched_activities:
        await insert_many(
            cur,
            f"INSERT INTO {ACTIVITIES.at(s)} VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT"
            " (workspace_id, activity_id) DO UPDATE SET deleted = EXCLUDED.deleted",
            [
                (*key, a.contact_id, a.team_id, a.bucket, a.channel, a.direction, a.deleted)
                for key in sorted(batch.touched_activities)
                if (a := batch.activities[key])
            ],
        )
    if batch.contacts:  # in log order: a contact's later state wins
        await cur.executemany(
            f"INSERT INTO {CONTACTS.at(s)} VALUES (%s, %s, %s, %s) ON CONFLICT (workspace_id, "
            "contact_id) DO UPDATE SET status = EXCLUDED.status, "
            "merged_into = EXCLUDED.merged_into",
            batch.contacts,
        )
    if batch.teams:
        await insert_many(
            cur,
            f"INSERT INTO {TEAMS.at(s)} VALUES (%s, %s) ON CONFLICT DO NOTHING",
            sorted(batch.teams),
        )
    if batch.merges:  # before the batch's own counts are added (merges.py)
        await merges.record(cur, s, batch.merges)
        await merges.add_merged_counts(cur, s, {(ws, m) for ws, m, _ in batch.merges})
    # A count that comes back to zero is written too (and its day's): a rebuild that sees
    # an activity logged and deleted in one batch writes the same zero row the live one
    # ends with. Each contact's counts are added under the contacts it is merged into too.
    if batch.volume:
        await VOLUME_DAYS.add(cur, s, [(*key, n) for key, n in batch.volume.items()])
    if batch.responses:
        await RESPONSE_DAYS.add(cur, s, [(*key, n, ms) for key, (n, ms) in batch.responses.items()])
    # after the batch's counts, which are cut again too
    await rezone(cur, s, batch.zones, VOLUME_DAYS, RESPONSE_DAYS)
