"""Time buckets of the pre-aggregated report tables.

Counts are kept per 15-minute bucket in UTC. Every time zone in use today is offset from
UTC by a multiple of 15 minutes (India +5:30, Nepal +5:45, Chatham +12:45), so each local
midnight, in any zone and on either side of a DST change, falls on a bucket boundary: a
query re-cuts buckets into the workspace's local days exactly, whatever its zone is now,
and a change of zone needs no rebuild. Hourly buckets would split the days of the :30 and
:45 zones; per-local-day rows alone would need a rebuild on every change of zone (the
contacts report's days of the workspace's zone are cut from its buckets:
projections/contacts_report/days.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

BUCKET = timedelta(minutes=15)


def bucket(at: datetime) -> datetime:
    """The start of the 15-minute UTC bucket `at` falls in."""
    at = at.astimezone(UTC)
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
