"""Report date ranges (seed 004's presets) in a workspace's time zone.

A range is whole local days, first to last inclusive; its instants are the local
midnights that begin the first day and end the last, in UTC. A DST day is 23 or 25
hours long, as the clock on the wall says. "Last 7 days" is today and the 6 days before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PRESETS = (
    "today",
    "yesterday",
    "last_7_days",
    "last_14_days",
    "last_30_days",
    "this_month",
    "last_month",
    "custom",
)
MAX_DAYS = 366
EARLIEST, LATEST = date(1970, 1, 1), date(2100, 12, 31)  # what any report can be about
PERIODS = ("day", "week", "month")


class RangeError(ValueError):
    """A range that cannot be reported on; names the parameter."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


@dataclass(frozen=True)
class ReportRange:
    preset: str
    first_day: date
    last_day: date
    time_zone: str

    @property
    def start(self) -> datetime:
        """The local midnight that begins the first day, in UTC."""
        return local_midnight(self.first_day, self.time_zone)

    @property
    def end(self) -> datetime:
        """The local midnight after the last day, in UTC (exclusive)."""
        return local_midnight(self.last_day + timedelta(days=1), self.time_zone)

    def days(self) -> list[date]:
        return [
            self.first_day + timedelta(days=n)
            for n in range((self.last_day - self.first_day).days + 1)
        ]

    def periods(self, period: str) -> list[date]:
        """The start of each day, ISO week (Monday) or month the range touches."""
        return sorted({period_start(d, period) for d in self.days()})

    def describe(self) -> dict:
        return {
            "preset": self.preset,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "time_zone": self.time_zone,
            "start": self.start,
            "end": self.end,
        }


def local_midnight(day: date, time_zone: str) -> datetime:
    # fold=0: where a DST change skips midnight, the day begins at the change.
    return datetime.combine(day, time(), tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def resolve(
    time_zone: str,
    preset: str | None = None,
    first: date | None = None,
    last: date | None = None,
    now: datetime | None = None,
) -> ReportRange:
    """The range a report asks for: a preset relative to today in `time_zone` (as of
    `now`), or a custom range of local dates."""
    for name, day in (("from", first), ("to", last), ("as_of", now and now.date())):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise RangeError(name, f"must be between {EARLIEST} and {LATEST}")
    if first is not None or last is not None:
        if preset not in (None, "custom"):
            raise RangeError("preset", f"{preset!r} cannot be combined with from/to")
        if first is None or last is None:
            raise RangeError("from" if first is None else "to", "a custom range needs both")
        if last < first:
            raise RangeError("to", "is before from")
        if (last - first).days + 1 > MAX_DAYS:
            raise RangeError("to", f"a range is at most {MAX_DAYS} days")
        return ReportRange("custom", first, last, time_zone)
    preset = preset or "last_7_days"
    if preset == "custom":
        raise RangeError("from", "a custom range needs from and to")
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(time_zone)).date()
    back = {"today": 0, "last_7_days": 6, "last_14_days": 13, "last_30_days": 29}
    if preset in back:
        return ReportRange(preset, today - timedelta(days=back[preset]), today, time_zone)
    if preset == "yesterday":
        yesterday = today - timedelta(days=1)
        return ReportRange(preset, yesterday, yesterday, time_zone)
    if preset == "this_month":
        return ReportRange(preset, today.replace(day=1), today, time_zone)
    if preset == "last_month":
        last_day = today.replace(day=1) - timedelta(days=1)
        return ReportRange(preset, last_day.replace(day=1), last_day, time_zone)
    raise RangeError("preset", f"must be one of {', '.join(PRESETS)}")
