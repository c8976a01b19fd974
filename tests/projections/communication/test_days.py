"""Communication specs: the volume and response times per local day of the workspace's
zone, cut again when the zone changes; a report reads them in that zone, and the
15-minute buckets in any other, with the same numbers."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from domain import workspace as W
from projections.communication import Communication
from projections.communication.queries import AnalyticsQueries
from projections.communication.tables import (
    DAY_RESPONSES,
    DAY_VOLUME,
    RESPONSE_DAYS,
    VOLUME_DAYS,
    ZONES,
)
from projections.shared.report_range import resolve
from services.api.scope import Scope
from services.api.tokens import Principal
from tests.support.days import assert_days_are_the_buckets_cut, tables_read
from tests.support.projector_specs import ANN, START, Given, covers, when_applied

pytestmark = pytest.mark.integration

CONV = {"conversation_id": "conv_1"}
OPENED = {**CONV, "channel": "sms", "contact_id": "c_ann"}
LATE = 14 * 60 + 30  # START + LATE minutes: 23:30 UTC, already the next day in Paris


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def first_of_month(d: date) -> date:
    return d.replace(day=1)


def message(n: int) -> dict:
    return {**CONV, "message_id": f"m_{n}", "body": f"Message {n}"}


@covers(W.TimeZoneChanged)
async def test_given_a_new_time_zone_then_the_days_are_cut_again_in_it(database_url):
    call = {"activity_id": "a_1", "type": "call", "direction": "outbound", "contact_id": "c_ann"}
    given = (
        Given()
        .tell("conversation.opened", OPENED, actor=ANN, minutes=LATE - 60)
        .tell("conversation.message_received", message(1), actor=ANN, minutes=LATE)
        .tell("conversation.message_sent", message(2), minutes=LATE + 5)
        .tell("conversation.opened", OPENED, ws="ws_b", actor=ANN, minutes=LATE)
        .tell("workspace.settings_changed", {"time_zone": "Europe/Paris"}, minutes=LATE + 6)
        .tell("activity.logged", call, minutes=LATE + 7)
        .tell("activity.logged", {**call, "activity_id": "a_2"}, minutes=LATE + 8)
        .tell("activity.deleted", {"activity_id": "a_2"}, minutes=LATE + 9)
    )
    then = await when_applied(database_url, Communication, given)
    nov20, nov21 = date(2026, 11, 20), date(2026, 11, 21)
    assert then.rows(ZONES) == [("ws_a", "Europe/Paris")]  # ws_b: the default, UTC
    assert then.rows(DAY_VOLUME, "workspace_id", "day", "kind", "direction", "count") == [
        ("ws_a", nov20, "conversation", None, 1),  # 23:30 in Paris
        ("ws_a", nov21, "activity", "outbound", 1),  # the deleted call taken off
        ("ws_a", nov21, "message", "inbound", 1),  # 00:30 in Paris: cut again
        ("ws_a", nov21, "message", "outbound", 1),
        ("ws_b", nov20, "conversation", None, 1),  # 23:30 UTC
    ]
    assert then.rows(DAY_RESPONSES, "workspace_id", "day", "kind", "count", "total_ms") == [
        ("ws_a", nov21, "first_response", 1, 300_000),
        ("ws_a", nov21, "reply", 1, 300_000),
    ]
    for rollup in (VOLUME_DAYS, RESPONSE_DAYS):
        assert_days_are_the_buckets_cut(database_url, then.model.schema, rollup)


async def test_a_report_reads_the_days_in_the_workspace_zone_and_the_buckets_in_another(
    database_url,
):
    given = Given().tell("workspace.settings_changed", {"time_zone": "Asia/Kolkata"})
    given.tell("conversation.opened", OPENED, actor=ANN, minutes=0)
    for n in range(40):  # every 45 minutes: both sides of two local midnights
        given.tell("conversation.message_received", message(n), actor=ANN, minutes=45 * n + 1)
    given.tell("conversation.message_sent", message(40), minutes=45 * 40)
    then = await when_applied(database_url, Communication, given)
    for rollup in (VOLUME_DAYS, RESPONSE_DAYS):
        assert_days_are_the_buckets_cut(database_url, then.model.schema, rollup)
    queries_of, responses = {}, {}
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        queries = AnalyticsQueries(conn, Scope(Principal("ws_a", "u_17", "admin")))
        for zone in ("Asia/Kolkata", "UTC"):
            r = resolve(zone, "custom", date(2026, 11, 19), date(2026, 11, 22))
            sql, params = queries.volume_sql("contact", "c_ann", r, "day", [])
            read = await tables_read(conn, sql, params, ("day_volume", "volume"))
            days = zone == "Asia/Kolkata"
            assert read == {"day_volume": days, "volume": not days}, (zone, read)
            found = await queries.volume("contact", "c_ann", r, "day", [])
            queries_of[zone] = sorted(
                (row["period"], row["n"])
                for row in found
                if row["kind"] == "message" and row["direction"] == "inbound"
            )
            for period, start_of in (("week", monday), ("month", first_of_month)):
                found = await queries.volume("contact", "c_ann", r, period, [])
                inbound = [row for row in found if row["direction"] == "inbound"]
                expected = {start_of(d) for d, _ in queries_of[zone]}  # days checked below
                assert {row["period"] for row in inbound} == expected, (zone, period)
                assert sum(row["n"] for row in inbound) == 40
            found = await queries.responses("contact", "c_ann", r, [])
            responses[zone] = sorted((row["kind"], row["n"], row["total_ms"]) for row in found)
    for zone in ("Asia/Kolkata", "UTC"):
        at = [(START + timedelta(minutes=45 * n + 1)).astimezone(ZoneInfo(zone)).date()
              for n in range(40)]  # fmt: skip
        assert queries_of[zone] == sorted((d, at.count(d)) for d in set(at)), zone
    assert queries_of["Asia/Kolkata"] != queries_of["UTC"]  # the range crosses local midnights
    waited = (45 * 40 - 1) * 60_000  # from the first message to the reply
    assert (
        responses["Asia/Kolkata"]
        == responses["UTC"]
        == [
            ("first_response", 1, waited),
            ("reply", 1, waited),
        ]
    )
