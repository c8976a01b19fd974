"""Contacts report specs: the logs, their counts by 15-minute bucket and by local day of
the workspace's zone, and each contact's current name and merge."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from domain import workspace as W
from domain.contact import Contact
from projections.contacts_report import ContactsReport
from projections.contacts_report.queries import ContactsReportQueries, ReportFilter
from projections.contacts_report.tables import (
    CONTACTS,
    COUNTED,
    COUNTS,
    DAY_COUNTS,
    DAY_USER_COUNTS,
    LOGS,
    USER_COUNTED,
    USER_COUNTS,
    ZONES,
)
from projections.shared.report_range import resolve
from services.api.scope import Scope
from services.api.tokens import Principal
from tests.support.days import assert_days_are_the_buckets_cut, tables_read
from tests.support.projector_specs import SAM, START, Given, covers, when_applied

pytestmark = pytest.mark.integration

BOT = ("system", "importer", None)


def added(contact: str, source: str = "user") -> dict:
    return {"contact_id": contact, "name": contact.title(), "source": source}


@covers(Contact.Added, Contact.Connected, Contact.Deleted, Contact.MergedInto)
async def test_given_contacts_added_connected_deleted_and_merged_then_each_is_logged(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", added("c_ann"), team="support", minutes=1)
        .tell("contact.added", added("c_bo", "import"), actor=BOT, minutes=2)
        .tell(
            "contact.connected",
            {"contact_id": "c_ann", "channel": "sms", "source": "user"},
            minutes=3,
        )
        .tell("contact.deleted", {"contact_id": "c_bo"}, actor=SAM, minutes=20)
        .tell("contact.added", added("c_cy"), minutes=21)
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_cy"]}, minutes=22)
        .tell("contact.added", added("c_ann"), ws="ws_b", minutes=23)
    )
    then = await when_applied(database_url, ContactsReport, given)
    columns = ("workspace_id", "log", "contact_id", "merged_contact_id", "source", "channel")
    assert then.rows(LOGS, *columns, "user_id") == [
        ("ws_a", "added", "c_ann", None, "user", None, "u_17"),
        ("ws_a", "added", "c_bo", None, "import", None, None),  # not by a user
        ("ws_a", "added", "c_cy", None, "user", None, "u_17"),
        ("ws_a", "connected", "c_ann", None, "user", "sms", "u_17"),
        ("ws_a", "deleted", "c_bo", None, "user", None, "u_21"),
        ("ws_a", "merged", "c_ann", "c_cy", "user", None, "u_17"),  # names the primary
        ("ws_b", "added", "c_ann", None, "user", None, "u_17"),
    ]  # fmt: skip
    early, late = START, START + timedelta(minutes=15)
    assert then.rows(COUNTS, "workspace_id", "metric", "bucket", "source", "team_id", "count") == [
        ("ws_a", "added", early, "import", None, 1),
        ("ws_a", "added", early, "user", "support", 1),
        ("ws_a", "added", late, "user", None, 1),
        ("ws_a", "connected", early, "user", None, 1),
        ("ws_a", "deleted", late, "user", None, 1),
        ("ws_a", "merged", late, "user", None, 1),
        ("ws_b", "added", late, "user", None, 1),
    ]
    assert then.rows(USER_COUNTS, "user_id", "metric", "count", where="workspace_id = 'ws_a'") == [
        ("u_17", "added", 1),
        ("u_17", "added", 1),  # two buckets
        ("u_17", "connected", 1),
        ("u_17", "merged", 1),
        ("u_21", "deleted", 1),
    ]


@covers(Contact.Added, Contact.Updated, Contact.MergedInto)
async def test_given_contacts_renamed_and_merged_then_their_names_and_merges_are_current(
    database_url,
):
    given = (
        Given()
        .tell("contact.added", {"contact_id": "c_ann", "name": "Ann", "source": "user"})
        .tell("contact.added", {"contact_id": "c_bo", "source": "user"})
        .tell("contact.updated", {"contact_id": "c_ann", "field": "name", "new": "Ann Kim"})
        .tell("contact.updated", {"contact_id": "c_bo", "field": "company", "new": "Acme"})
        .tell("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})
        .tell("contact.added", {"contact_id": "c_ann", "name": "Ann", "source": "user"}, ws="ws_b")
    )
    then = await when_applied(database_url, ContactsReport, given)
    assert then.rows(CONTACTS) == [
        ("ws_a", "c_ann", "Ann Kim", None),
        ("ws_a", "c_bo", None, "c_ann"),
        ("ws_b", "c_ann", "Ann", None),
    ]


@covers(W.TimeZoneChanged)
async def test_given_a_new_time_zone_then_the_days_are_cut_again_in_it(database_url):
    late_utc = 14 * 60 + 30  # 23:30 UTC: already the next day in Paris
    given = (
        Given()
        .tell("contact.added", added("c_1"), minutes=1)
        .tell("contact.added", added("c_2"), minutes=late_utc)
        .tell("contact.added", added("c_1"), ws="ws_b", minutes=late_utc)
        .tell("workspace.settings_changed", {"time_zone": "Europe/Paris"}, minutes=late_utc + 1)
        .tell("contact.added", added("c_3"), minutes=24 * 60 + late_utc + 10)
        .tell("contact.connected", {"contact_id": "c_3", "channel": "sms", "source": "user"},
              minutes=24 * 60 + late_utc + 11)
    )  # fmt: skip
    then = await when_applied(database_url, ContactsReport, given)
    nov = {d: date(2026, 11, d) for d in (20, 21, 22)}
    assert then.rows(ZONES) == [("ws_a", "Europe/Paris")]  # ws_b: the default, UTC
    assert then.rows(DAY_COUNTS, "workspace_id", "metric", "day", "count") == [
        ("ws_a", "added", nov[20], 1),
        ("ws_a", "added", nov[21], 1),  # 23:30 UTC, 00:30 in Paris: cut again
        ("ws_a", "added", nov[22], 1),  # after the change: cut in Paris as it is counted
        ("ws_a", "connected", nov[22], 1),
        ("ws_b", "added", nov[20], 1),  # UTC
    ]
    assert then.rows(DAY_USER_COUNTS, "workspace_id", "user_id", "metric", "day", "count") == [
        ("ws_a", "u_17", "added", nov[20], 1),
        ("ws_a", "u_17", "added", nov[21], 1),
        ("ws_a", "u_17", "added", nov[22], 1),
        ("ws_a", "u_17", "connected", nov[22], 1),
        ("ws_b", "u_17", "added", nov[20], 1),
    ]
    for rollup in (COUNTED, USER_COUNTED):
        assert_days_are_the_buckets_cut(database_url, then.model.schema, rollup)


async def test_a_report_reads_the_days_in_the_workspace_zone_and_the_buckets_in_another(
    database_url,
):
    """The same numbers both ways: the days of the workspace's zone, and the buckets re-cut
    for a zone asked for; the plan of each reads only its own table."""
    given = Given().tell("workspace.settings_changed", {"time_zone": "Asia/Kolkata"})
    for n in range(40):  # every 45 minutes: both sides of two local midnights
        given.tell("contact.added", added(f"c_{n}", ("user", "api")[n % 2]), minutes=45 * n)
    await when_applied(database_url, ContactsReport, given)
    scope = Scope(Principal("ws_a", "u_17", "admin"))
    found = {}
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        queries = ContactsReportQueries(conn, scope)
        for zone in ("Asia/Kolkata", "UTC"):
            r = resolve(zone, "custom", date(2026, 11, 19), date(2026, 11, 22))
            found[zone] = sorted(
                (row["day"], row["source"], row["n"])
                for row in await queries.counts(["added"], r, ReportFilter(), None)
            )
            sql, params = queries.counts_sql(["added"], r, ReportFilter(), None)
            read = await tables_read(conn, sql, params, ("day_counts", "counts"))
            days = zone == "Asia/Kolkata"
            assert read == {"day_counts": days, "counts": not days}, (zone, read)
    kolkata = [((START + timedelta(minutes=45 * n)).astimezone(ZoneInfo("Asia/Kolkata")).date(),
                ("user", "api")[n % 2]) for n in range(40)]  # fmt: skip
    utc = [((START + timedelta(minutes=45 * n)).date(), ("user", "api")[n % 2]) for n in range(40)]
    for zone, days in (("Asia/Kolkata", kolkata), ("UTC", utc)):
        assert found[zone] == sorted((d, s, days.count((d, s))) for d, s in set(days)), zone
    assert found["Asia/Kolkata"] != found["UTC"]  # the range does cross a local midnight
