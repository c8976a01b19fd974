"""A contact's counts include those of every contact merged into it, however indirectly.

A report of a contact with hundreds of merged contacts would otherwise read each one's
rows (the benchmark's busiest contact had 618 merged contacts at 10M events, and its report
grew with them). Instead every count of a contact is also counted under each contact it
is merged into (`ABOVE`, in the statement that adds the counts), and a merge adds what the
merged contact had counted so far, its own and its merged contacts', under the contact it
went into and each one above that. A report then reads one contact's rows.

At a batch's end, in this order: the batch's merges go into `merges` (one row per pair,
however indirect); what each contact merged in the batch had counted before the batch is
added above it (one statement per table, which does not read what it adds, so a chain
merged in one batch is not counted twice); then the batch's own counts, each under its
contact and every contact above it as the merges now stand. The rows are the same
whichever batches the events come in.
"""

from __future__ import annotations

from psycopg import AsyncCursor

from projections.communication.tables import MERGES, RESPONSE_DAYS, VOLUME_DAYS


async def record(cur: AsyncCursor, schema: str, merges: list[tuple[str, str, str]]) -> None:
    """(workspace, merged contact, primary), in log order: every contact at or above the
    primary gets a row for everything at or below the merged one."""
    table = MERGES.at(schema)
    await cur.executemany(
        f"INSERT INTO {table} SELECT %s::text, up.id, down.id FROM "
        f"(SELECT %s::text AS id UNION SELECT contact_id FROM {table} WHERE "
        "workspace_id = %s AND merged_contact_id = %s) up CROSS JOIN "
        f"(SELECT %s::text AS id UNION SELECT merged_contact_id FROM {table} WHERE "
        "workspace_id = %s AND contact_id = %s) down ON CONFLICT DO NOTHING",
        [(ws, into, ws, into, merged, ws, merged) for ws, merged, into in merges],
    )


async def add_merged_counts(cur: AsyncCursor, schema: str, merged: set[tuple[str, str]]) -> None:
    """What each of `merged` (workspace, contact) has counted so far, added under every
    contact it is merged into now."""
    where = (
        "v.subject_type = 'contact' AND (v.workspace_id, v.subject_id) IN "
        "(SELECT * FROM unnest(%s::text[], %s::text[]))"
    )
    params = [list(column) for column in zip(*sorted(merged), strict=True)]
    for rollup in (VOLUME_DAYS, RESPONSE_DAYS):
        await rollup.add_also(cur, schema, where, params)
