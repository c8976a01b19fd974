"""Report ranges in a workspace's zone, and why 15-minute UTC buckets cut any zone's days."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.shared.buckets import bucket
from projections.shared.report_range import RangeError, local_midnight, resolve

pytestmark = pytest.mark.unit
NY = "America/New_York"
NOON_AFTER_DST_END = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # 12:00 EST


def span(r):
    return r.end - r.start


@pytest.mark.parametrize(
    ("preset", "first", "last"),
    [
        ("today", "2026-11-02", "2026-11-02"),
        ("yesterday", "2026-11-01", "2026-11-01"),
        ("last_7_days", "2026-10-27", "2026-11-02"),
        ("last_14_days", "2026-10-20", "2026-11-02"),
        ("last_30_days", "2026-10-04", "2026-11-02"),
        ("this_month", "2026-11-01", "2026-11-02"),
        ("last_month", "2026-10-01", "2026-10-31"),
    ],
)
def test_presets_are_local_days_relative_to_today(preset, first, last):
    r = resolve(NY, preset, now=NOON_AFTER_DST_END)
    assert (str(r.first_day), str(r.last_day)) == (first, last)


def test_a_dst_day_is_as_long_as_the_wall_clock_says():
    fall = resolve(NY, "yesterday", now=NOON_AFTER_DST_END)
    spring = resolve(NY, "custom", date(2026, 3, 8), date(2026, 3, 8))
    assert span(fall) == timedelta(hours=25) and span(spring) == timedelta(hours=23)
    assert fall.start == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)


def test_today_depends_on_the_zone():
    late_utc = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)  # already the 3rd in Kolkata
    assert str(resolve("Asia/Kolkata", "today", now=late_utc).first_day) == "2026-11-03"
    assert str(resolve("America/Los_Angeles", "today", now=late_utc).first_day) == "2026-11-02"
    kolkata = resolve("Asia/Kolkata", "today", now=late_utc)
    assert kolkata.start == datetime(2026, 11, 2, 18, 30, tzinfo=UTC)


def test_last_month_across_a_year_and_periods():
    r = resolve("UTC", "last_month", now=datetime(2027, 1, 15, tzinfo=UTC))
    assert (str(r.first_day), str(r.last_day)) == ("2026-12-01", "2026-12-31")
    assert [str(p) for p in r.periods("month")] == ["2026-12-01"]
    assert [str(p) for p in r.periods("week")][:2] == ["2026-11-30", "2026-12-07"]  # Mondays
    assert len(r.periods("day")) == 31


@pytest.mark.parametrize(
    ("preset", "first", "last", "field"),
    [
        (None, date(2026, 1, 2), date(2026, 1, 1), "to"),
        (None, date(2025, 1, 1), date(2026, 1, 2), "to"),  # more than 366 days
        ("yesterday", date(2026, 1, 1), date(2026, 1, 2), "preset"),
        (None, date(2026, 1, 1), None, "to"),
        ("custom", None, None, "from"),
    ],
)
def test_impossible_ranges_name_their_parameter(preset, first, last, field):
    with pytest.raises(RangeError) as raised:
        resolve("UTC", preset, first, last)
    assert raised.value.field == field


def test_buckets_are_15_minutes_of_utc():
    at = datetime(2026, 11, 2, 18, 44, 59, 999_000, tzinfo=UTC)
    assert bucket(at) == datetime(2026, 11, 2, 18, 30, tzinfo=UTC)
    assert bucket(at.astimezone(zoneinfo.ZoneInfo("Asia/Kathmandu"))) == bucket(at)


ZONES = sorted(zoneinfo.available_timezones())


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ZONES), st.dates(date(1980, 1, 1), date(2039, 12, 31)))
def test_every_local_midnight_since_1980_is_a_bucket_boundary(zone, day):
    """So 15-minute buckets re-cut into any zone's days exactly (Nepal +5:45, Chatham
    +12:45, DST days). Hourly buckets would not: India's midnight is 18:30 UTC."""
    midnight = local_midnight(day, zone)
    assert bucket(midnight) == midnight


@pytest.mark.parametrize(
    ("first", "last", "now", "field"),
    [
        (date(1, 1, 1), date(1, 1, 2), None, "from"),
        (date(2026, 1, 1), date(9999, 12, 31), None, "to"),
        (None, None, datetime(9999, 12, 31, 23, tzinfo=UTC), "as_of"),
    ],
)
def test_dates_outside_what_a_report_can_be_about_are_refused(first, last, now, field):
    with pytest.raises(RangeError) as raised:
        resolve("Asia/Kolkata", None, first, last, now)
    assert raised.value.field == field
