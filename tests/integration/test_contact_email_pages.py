"""A contact's emails page through its own and its merged contacts' emails newest first,
reading at most a page of each contact's emails, however long its history
(projections/emails/queries.py, `contact_emails_sql`; docs/performance.md, "Queries flat
with store size").

The statement read every email of the contact and of each contact merged into it, then
sorted them (`contact_id = ANY(...)`): a contact with years of email paid for all of them
on every page. Given a busy contact (two thirds of 12,000 emails) with a contact merged
into it, in two workspaces with the same contact ids and email keys (the merge in one of
them), the pages must list every email once, newest first, whatever the page size, and
each page must read no more than a page of each contact's emails (EXPLAIN ANALYZE of the
very statement, as planned with its values and as prepared without them).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import psycopg
import pytest

from projections.emails import Emails
from projections.emails.queries import EmailQueries
from projections.emails.tables import CONTACT_EMAILS
from projections.shared import cursor as cursors
from projections.timeline import Timeline
from projections.timeline.tables import CONTACT_MERGES, ENTRIES
from services.api.scope import Scope
from services.api.tokens import Principal
from tests.support.plans import explain, rows_read, scans_of

pytestmark = pytest.mark.integration

ROWS = 12_000  # emails per workspace
START = datetime(2026, 1, 1, tzinfo=UTC)


def owner(i: int) -> str:
    """Whose email number `i` is (as the INSERT below)."""
    if i % 100 == 1:
        return "c_merged"
    return f"c_{i % 300}" if i % 3 == 0 else "c_busy"


def matches(i: int) -> bool:
    return i % 50 == 1


def scope(workspace_id: str = "ws_a", email_access: bool = True) -> Scope:
    return Scope(Principal(workspace_id, "u_17", "admin", (), email_access))


@pytest.fixture
async def emails(database_url):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        model = Emails()
        await model.create(conn, defer_indexes=True)  # as a rebuild makes it
        await Timeline().create(conn)  # where merges are (the contact's subjects)
        await conn.execute(
            f"INSERT INTO {CONTACT_EMAILS} (workspace_id, contact_id, direction, email_key, "
            "position, occurred_at, search_text) "
            "SELECT ws, CASE WHEN i %% 100 = 1 THEN 'c_merged' "
            "WHEN i %% 3 = 0 THEN 'c_' || (i %% 300) ELSE 'c_busy' END, "
            "CASE WHEN i %% 2 = 0 THEN 'inbound' ELSE 'outbound' END, 'em_' || i, i, "
            "%s + i * interval '1 minute', "
            "CASE WHEN i %% 50 = 1 THEN 'sorry, i have refunded the charge ' || i "
            "ELSE 'where is my order ' || i END "
            "FROM generate_series(1, %s) i, unnest(ARRAY['ws_a', 'ws_b']) ws",
            (START, ROWS),
        )
        await conn.execute(  # only in ws_a: ws_b's c_merged stays a contact of its own
            f"INSERT INTO {CONTACT_MERGES} (workspace_id, merged_contact_id, "
            "primary_contact_id, merged_at) VALUES ('ws_a', 'c_merged', 'c_busy', %s)",
            (START,),
        )
        await conn.execute(  # the contact itself: a page of no email is not "no contact"
            f"INSERT INTO {ENTRIES} (workspace_id, subject_type, subject_id, position, "
            "category, source_type, source_id, search_text, occurred_at, recorded_at, type, "
            "actor_type, actor_id, summary, details) SELECT ws, 'contact', 'c_busy', 0, "
            "'contact', 'contact', 'c_busy', '', %s, %s, 'contact.added', 'user', 'u_17', "
            "'added', '{}'::jsonb FROM unnest(ARRAY['ws_a', 'ws_b']) ws",
            (START, START),
        )
        await model.create_deferred_indexes(conn)
        await conn.execute(f"ANALYZE {CONTACT_EMAILS}")  # as a rebuild does
        cursors.configure(os.urandom(32))
        cursors.bind("ws_a", "u_17", "contact_emails")
        yield conn


async def walk(queries: EmailQueries, limit: int, **filters) -> list[tuple[str, int]]:
    seen, cursor = [], None
    while True:
        page = await queries.contact_emails(
            "c_busy", limit=limit, cursor=cursor, text=None, direction=None, **filters
        )
        seen += [(e["contact_id"], e["position"]) for e in page["emails"]]
        if not (cursor := page["next_cursor"]):
            return seen


async def test_pages_list_a_contacts_and_its_merged_contacts_emails_newest_first(emails):
    merged = [(owner(i), i) for i in range(ROWS, 0, -1) if owner(i) in ("c_busy", "c_merged")]
    own = [(c, i) for c, i in merged if c == "c_busy"]
    assert await walk(EmailQueries(emails, scope()), 1000) == merged
    assert await walk(EmailQueries(emails, scope()), 7) == merged
    cursors.bind("ws_b", "u_17", "contact_emails")
    assert await walk(EmailQueries(emails, scope("ws_b")), 1000) == own  # no merge there


async def test_filters_pick_the_newest_matches_of_every_merged_contact(emails):
    queries = EmailQueries(emails, scope())
    wanted = [i for i in range(ROWS, 0, -1) if owner(i) in ("c_busy", "c_merged")]
    page = await queries.contact_emails(
        "c_busy", limit=10, cursor=None, text="REFUNDED", direction=None
    )
    assert [e["position"] for e in page["emails"]] == [i for i in wanted if matches(i)][:10]
    page = await queries.contact_emails(
        "c_busy", limit=10, cursor=None, text=None, direction="inbound"
    )
    assert [e["position"] for e in page["emails"]] == [i for i in wanted if i % 2 == 0][:10]
    assert {e["direction"] for e in page["emails"]} == {"inbound"}
    blind = EmailQueries(emails, scope(email_access=False))  # no content to search
    page = await blind.contact_emails("c_busy", limit=10, cursor=None, text="refunded",
                                      direction=None)  # fmt: skip
    assert page["emails"] == []


def walk_of(contact: str, text: str | None, before: int) -> int:
    """How many of `contact`'s emails older than `before`, newest first, are read down to
    a page (11) of matches: all of them when fewer match."""
    read = found = 0
    for i in range(min(before - 1, ROWS), 0, -1):
        if owner(i) == contact:
            read += 1
            found += not text or matches(i)
            if found == 11:
                break
    return read


async def test_a_page_reads_a_page_of_each_contacts_emails_not_its_history(emails):
    queries = EmailQueries(emails, scope())
    history = sum(1 for i in range(1, ROWS + 1) if owner(i) in ("c_busy", "c_merged"))
    first = await queries.contact_emails("c_busy", limit=10, cursor=None, text=None,
                                         direction=None)  # fmt: skip
    first_oldest = first["emails"][-1]["position"]
    for text, cursor in ((None, None), ("refunded", None), (None, first["next_cursor"])):
        sql, params = queries.contact_emails_sql(
            ["c_busy", "c_merged"], limit=10, cursor=cursor, text=text, direction=None
        )
        for generic in (False, True):
            nodes = await explain(emails, sql, params, generic, analyze=True)
            how = (text, bool(cursor), generic)
            assert scans_of(nodes, "contact_emails") == [("Index Scan", "contact_emails_newest")], (
                how
            )
            walked = sum(walk_of(c, text, before=10**9 if cursor is None else first_oldest)
                         for c in ("c_busy", "c_merged"))  # fmt: skip
            assert rows_read(nodes, "contact_emails") <= walked < history, how
