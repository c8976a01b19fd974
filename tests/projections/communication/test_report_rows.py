"""Communication spec: a report's volume is summed in the database, per period and per
channel, so what it returns is bounded by the periods and channels of the range, not by
the teams, buckets or merged contacts its rows are kept under."""

from datetime import date

import psycopg
import pytest

from projections.communication import Communication
from projections.communication import charts as sections
from projections.communication.queries import AnalyticsQueries
from projections.communication.tables import DAY_VOLUME
from projections.shared.report_range import resolve
from services.api.scope import Scope
from services.api.tokens import Principal
from tests.support.projector_specs import ANN, Given, when_applied

pytestmark = pytest.mark.integration

CHANNELS = ("sms", "email", "whatsapp")
TEAMS = ("red", "blue")


def given_conversations() -> Given:
    """Six conversations of c_ann (each channel in each team) on two days, a message in
    and out in each; and the same ids in another workspace."""
    given = Given()
    for ws in ("ws_a", "ws_b"):
        n = 0
        for channel in CHANNELS:
            for team in TEAMS:
                for day in (0, 1):
                    n += 1
                    conv = {"conversation_id": f"conv_{n}"}
                    at = day * 24 * 60 + n
                    opened = {**conv, "channel": channel, "contact_id": "c_ann"}
                    given.tell(
                        "conversation.opened", opened, ws=ws, actor=ANN, team=team, minutes=at
                    )
                    inbound = {**conv, "message_id": f"m_{n}_in", "body": "Hi"}
                    given.tell(
                        "conversation.message_received", inbound, ws=ws, actor=ANN, minutes=at
                    )
                    outbound = {**conv, "message_id": f"m_{n}_out", "body": "Hello"}
                    given.tell("conversation.message_sent", outbound, ws=ws, minutes=at + 1)
    return given


async def test_given_many_teams_and_channels_when_the_volume_is_read_then_it_is_summed_per_day_and_per_channel(  # noqa: E501
    database_url,
):
    await when_applied(database_url, Communication, given_conversations())
    r = resolve("UTC", "custom", date(2026, 11, 19), date(2026, 11, 22))
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        queries = AnalyticsQueries(conn, Scope(Principal("ws_a", "u_17", "admin")))
        found = await queries.volume("contact", "c_ann", r, "day", [])
        only_sms = await queries.volume("contact", "c_ann", r, "day", ["sms"])
    per_day = sorted(
        (row["period"], row["kind"], row["direction"], row["n"])
        for row in found
        if row["period"] is not None
    )
    days = sorted({row["period"] for row in found if row["period"] is not None})
    assert len(days) == 2
    assert per_day == sorted(
        (day, kind, direction, 6)
        for day in days
        for kind, direction in (
            ("conversation", None),
            ("message", "inbound"),
            ("message", "outbound"),
        )
    )  # six conversations a day, whatever their channels and teams
    per_channel = sorted(
        (row["kind"], row["channel"], row["n"]) for row in found if row["period"] is None
    )
    assert per_channel == sorted(
        (kind, channel, n)
        for channel in CHANNELS
        for kind, n in (("conversation", 4), ("message", 8))
    )
    assert all(row["direction"] is None for row in found if row["period"] is None)
    assert all(row["channel"] is None for row in found if row["period"] is not None)
    assert len(found) == len(per_day) + len(per_channel)
    shares = sections.channels(found, set())["shares"]
    assert [(s["channel"], s["count"]) for s in shares] == [(c, 8) for c in sorted(CHANNELS)]
    volume = sections.volume(found, r.periods("day"))
    assert (volume["inbound"], volume["outbound"], volume["total"]) == (12, 12, 24)
    assert sections.interactions(found, r.periods("day"))["total"] == 12
    assert sum(row["n"] for row in only_sms if row["period"] is None) == 4 + 8


def blocks_read(plan: dict) -> int:
    """Blocks the statement read: its plan's, which include every node below."""
    return plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)


async def test_given_years_of_history_when_a_month_is_reported_then_only_that_month_is_read(
    database_url,
):
    """A contact with three years of days, in 20 teams: a 30-day report reads about a
    month's entries of the key's index, not the three years (teams ahead of the day in
    the key would make it pass over every day of every team)."""
    await when_applied(database_url, Communication, given_conversations())
    r = resolve("UTC", "custom", date(2026, 10, 1), date(2026, 10, 30))
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(
            f"INSERT INTO {DAY_VOLUME} (workspace_id, subject_type, subject_id, team_id, day, "
            "channel, kind, direction, count) SELECT 'ws_a', 'contact', 'c_old', 'team_' || t, "
            "date '2024-01-01' + d, 'sms', 'message', 'inbound', 1 "
            "FROM generate_series(0, 1095) d, generate_series(1, 20) t"
        )
        await conn.execute(f"ANALYZE {DAY_VOLUME}")
        queries = AnalyticsQueries(conn, Scope(Principal("ws_a", "u_17", "admin")))
        found = await queries.volume("contact", "c_old", r, "day", [])
        assert sum(row["n"] for row in found if row["period"] is None) == 30 * 20
        sql, params = queries.volume_sql("contact", "c_old", r, "day", [])
        cur = await conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        plan = (await cur.fetchone())[0][0]["Plan"]
    # 600 entries of the month and their rows: a few dozen blocks; the whole history
    # (21,920 rows), by index or not, would be hundreds
    blocks = blocks_read(plan)
    assert 0 < blocks < 100, blocks  # 41 here; the key led by the team: 255
