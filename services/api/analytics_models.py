"""Response shapes of communication analytics."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from services.api.report_models import RangeOut

Status = Literal["ok", "no_data"]


class PeriodCount(BaseModel):
    period: date = Field(description="First local day of the day, ISO week or month")
    count: int


class Interactions(BaseModel):
    status: Status
    message: str | None = None
    total: int | None = Field(description="Conversations opened + communication activities")
    series: list[PeriodCount]


class PeriodVolume(BaseModel):
    period: date
    inbound: int
    outbound: int
    total: int = Field(description="Inbound + outbound + activities without a direction")


class Volume(BaseModel):
    status: Status
    message: str | None = None
    inbound: int | None
    outbound: int | None
    total: int | None
    series: list[PeriodVolume]


class ChannelShare(BaseModel):
    channel: str
    count: int
    percent: float
    deleted: bool = Field(description="The channel was deleted since (still counted)")


class Channels(BaseModel):
    status: Status
    message: str | None = None
    total: int | None
    shares: list[ChannelShare]


class Bin(BaseModel):
    bin: str = Field(description="<1m, 1-5m, 5-15m, 15m-1h, 1-4h, 4-24h or >=24h")
    count: int


class Times(BaseModel):
    status: Status
    message: str | None = None
    count: int | None
    average_seconds: float | None
    histogram: list[Bin]


class ResponseTimes(BaseModel):
    first_response: Times = Field(description="First inbound message to the first reply")
    reply: Times = Field(description="Earliest unanswered inbound message to the next reply")


class Subject(BaseModel):
    type: Literal["contact", "team"]
    id: str
    status: str | None = Field(None, description="Contacts: active, deleted or merged")
    merged_into: str | None = Field(None, description="Contacts: where it was merged")
    includes: list[str] = Field(description="Contacts: itself and the contacts merged into it")


class Analytics(BaseModel):
    subject: Subject
    range: RangeOut
    period: Literal["day", "week", "month"]
    interactions: Interactions
    volume: Volume
    channels: Channels
    response_times: ResponseTimes
