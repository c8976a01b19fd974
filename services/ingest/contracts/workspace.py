"""Data contracts of `workspace.*` envelopes: settings and directory changes that reports
depend on (published by the admin console, or with `chronicle workspace ...`)."""

from __future__ import annotations

from pydantic import Field

from services.ingest.contracts.fields import Channel, Id
from services.ingest.envelope import Strict


class SettingsChanged(Strict):
    time_zone: str = Field(
        min_length=1,
        max_length=64,
        description="IANA time zone the workspace's reports use (default UTC)",
    )


class ChannelAdded(Strict):
    channel: str = Channel
    name: str | None = Field(None, max_length=500, description="How the channel is shown")


class ChannelDeleted(Strict):
    channel: str = Channel


class UserDeleted(Strict):
    user_id: str = Id
