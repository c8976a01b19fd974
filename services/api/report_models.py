"""Response shapes of the reports: contacts report, contact logs, workspace directory."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from projections.shared.paging import Paged

Status = Literal["ok", "no_data", "filter_not_applicable"]


class RangeOut(BaseModel):
    preset: str = Field(description="today, yesterday, last_7_days, ..., or custom")
    first_day: date = Field(description="First local day of the range")
    last_day: date = Field(description="Last local day of the range (inclusive)")
    time_zone: str = Field(description="The IANA zone the days are cut in")
    start: datetime = Field(description="Local midnight beginning the first day, in UTC")
    end: datetime = Field(description="Local midnight after the last day, in UTC (exclusive)")


class Point(BaseModel):
    day: date
    count: int


class Series(BaseModel):
    key: str = Field(description="The metric, source or channel of this series")
    points: list[Point] = Field(description="One point per local day of the range")


class Bar(BaseModel):
    key: str
    label: str
    count: int
    deleted: bool | None = Field(None, description="For channels: deleted since (still counted)")


class Share(Bar):
    percent: float = Field(description="Share of the chart's total, in percent (1 decimal)")


class Chart(BaseModel):
    status: Status = Field(
        description="ok; no_data: nothing in the range for these filters; "
        "filter_not_applicable: a selected filter does not apply to this chart"
    )
    message: str | None = Field(None, description="What to show instead of the chart")
    not_applicable: list[str] = Field(default_factory=list, description="The filters at fault")
    total: int | None = Field(None, description="The metric (null unless status is ok)")
    bars: list[Bar] = Field(default_factory=list, description="Bar chart: one bar per key")
    shares: list[Share] = Field(default_factory=list, description="Arc chart: count and percent")
    series: list[Series] = Field(default_factory=list, description="Per key, per local day")


class Charts(BaseModel):
    contacts_added: Chart
    contacts_deleted: Chart
    contacts_merged: Chart
    added_deleted_merged: Chart = Field(description="Bar chart: added vs deleted vs merged")
    added_by_source: Chart
    connected_by_channel: Chart


class ContactsReportOut(BaseModel):
    range: RangeOut
    filters: dict[str, list[str]] = Field(description="The filters applied")
    charts: Charts


class LogRow(BaseModel):
    position: int = Field(description="The event's place in the store's log")
    timestamp: datetime = Field(description="When it happened (UTC)")
    local_time: datetime = Field(description="The same instant in the workspace's time zone")
    contact_id: str = Field(description="The contact (for merges: the primary, after the merge)")
    contact_name: str | None = Field(description="The contact's current name")
    source: str = Field(description="How it was added or connected; deletions/merges: user")
    user: str | None = Field(description="The user's name, or their id if since deleted")
    user_id: str | None
    user_deleted: bool
    channel: str | None = Field(description="Connected log: the channel")
    merged_contact_id: str | None = Field(description="Merged log: the contact merged away")
    team_id: str | None


class LogPage(BaseModel):
    log: Literal["added", "connected", "deleted", "merged"]
    range: RangeOut
    status: Status
    message: str | None = None
    not_applicable: list[str] = Field(default_factory=list)
    rows: list[LogRow] = Field(description="Newest first, at most `limit`")
    returned: int = Field(description="How many rows this response holds")
    total: int = Field(description="How many rows match in all")
    truncated: bool = Field(description="True when more rows match than were returned")
    limit: int = Field(description="At most this many rows per response (10,000)")
    export: str = Field(description="Path of the CSV export of every matching row (no cap)")


class Option(BaseModel):
    key: str
    label: str
    selectable: bool = Field(description="False for deleted channels and users")
    deleted: bool


class ReportFilters(BaseModel):
    channels: list[Option] = Field(description="Deleted channels are listed, not selectable")
    sources: list[Option]
    users: list[Option]


class WorkspaceOut(BaseModel):
    workspace_id: str
    time_zone: str = Field(description="IANA zone the reports cut days in (default UTC)")
    time_zone_changed_at: datetime | None


class HistoryEntry(BaseModel):
    position: int
    occurred_at: datetime
    recorded_at: datetime
    type: str
    summary: str
    actor: dict[str, Any]
    details: dict[str, Any]


class HistoryPage(Paged):
    entries: list[HistoryEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")
