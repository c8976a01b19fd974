"""A contact's timeline pages through its own entries and its merged contacts' (however
indirectly merged), newest first, whatever the page size; `as_of` before a merge leaves
the merged contact's entries out; its badge counts them."""

import os

import psycopg
import pytest

from projections.shared import cursor as cursors
from projections.timeline import Timeline
from projections.timeline.queries import TimelineQueries
from projections.timeline.tables import CONTACT_MERGES
from services.api.scope import Scope
from services.api.tokens import Principal
from tests.support.projector_specs import Given, when_applied

pytestmark = pytest.mark.integration


def call(activity_id: str, contact_id: str) -> dict:
    return {"activity_id": activity_id, "type": "call", "summary": f"Call {activity_id}",
            "source": "manual", "contact_id": contact_id}  # fmt: skip


async def test_pages_of_a_primary_merge_its_merged_contacts_entries_in_time_order(database_url):
    given = Given()
    for contact in ("c_ann", "c_bo", "c_cy"):
        given.tell("contact.added", {"contact_id": contact, "name": contact, "source": "user"})
    for i in range(12):  # interleaved in time between the three contacts
        given.tell("activity.logged", call(f"a_{i}", ("c_ann", "c_bo", "c_cy")[i % 3]))
    given.tell("contact.merged", {"contact_id": "c_bo", "merged_contact_ids": ["c_cy"]})
    given.tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
    given.tell("activity.logged", call("a_cy_late", "c_cy"))
    given.tell("contact.added", {"contact_id": "c_bo", "name": "c_bo", "source": "user"}, ws="ws_b")
    then = await when_applied(database_url, Timeline, given)
    merged_at = dict(then.rows(CONTACT_MERGES, "merged_contact_id", "merged_at"))
    cursors.configure(os.urandom(32))
    cursors.bind("ws_a", "u_17", "timeline")
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        queries = TimelineQueries(conn, Scope(Principal("ws_a", "u_17", "admin", (), True)))

        async def walk(limit: int, **options) -> list[tuple[str, int]]:
            seen, cursor = [], None
            while True:
                page = await queries.page("contact", "c_ann", limit=limit, cursor=cursor,
                                          types=[], categories=[], text=None,
                                          include_deleted=False, **options)  # fmt: skip
                seen += [(e.source.id, e.position) for e in page.entries]
                if not (cursor := page.next_cursor):
                    return seen

        everything = await walk(100)
        calls = [source for source, _ in everything if source.startswith("a_")]
        assert calls == ["a_cy_late", *(f"a_{i}" for i in range(11, -1, -1))]
        assert [p for _, p in everything] == sorted((p for _, p in everything), reverse=True)
        for limit in (1, 2, 5):
            assert await walk(limit) == everything, limit
        # as it was when Cy was merged into Bo (Bo not yet into Ann)
        between = await walk(3, as_of=merged_at["c_cy"])
        assert [s for s, _ in between if s.startswith("a_")] == ["a_9", "a_6", "a_3", "a_0"]
        assert await queries.badges("contact", ["c_ann", "c_bo", "c_cy"]) == {
            "c_ann": 13, "c_bo": 9, "c_cy": 5,
        }  # fmt: skip
