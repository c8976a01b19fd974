"""The Workspace aggregate: the settings and directory facts reports depend on.

Its time zone decides where a report's days begin; its channels and users can be deleted,
and reports must still count what happened on a deleted channel and show a deleted user
by id. Keeping these as events means a rebuilt read model agrees with the live one.
"""

from __future__ import annotations

from functools import cache
from uuid import UUID
from zoneinfo import available_timezones

from eventsourcing.domain import AggregateCreated, AggregateEvent, BaseAggregate

from domain.shared import EventMeta, aggregate_id, rule

DEFAULT_TIME_ZONE = "UTC"


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {DEFAULT_TIME_ZONE}


def known_time_zone(name: str) -> bool:
    """An IANA zone name (`Europe/Paris`, `Asia/Kolkata`, `UTC`)."""
    return name in _zones()


class WorkspaceEvent(AggregateEvent):
    meta: EventMeta


class Registered(WorkspaceEvent, AggregateCreated):
    """Chronicle started keeping the workspace's settings (before its first change)."""

    TOPIC = "workspace.registered.v1"

    def apply(self, w: Workspace) -> None:
        w.workspace_id, w.time_zone = self.meta.workspace_id, DEFAULT_TIME_ZONE
        w.channels, w.deleted_channels, w.deleted_users = {}, set(), set()


class TimeZoneChanged(WorkspaceEvent):
    TOPIC = "workspace.time_zone_changed.v1"
    old_time_zone: str
    new_time_zone: str

    def apply(self, w: Workspace) -> None:
        w.time_zone = self.new_time_zone


class ChannelAdded(WorkspaceEvent):
    """A channel was connected (or renamed, or added back after a deletion)."""

    TOPIC = "workspace.channel_added.v1"
    channel: str
    name: str | None

    def apply(self, w: Workspace) -> None:
        w.channels[self.channel] = self.name
        w.deleted_channels.discard(self.channel)


class ChannelDeleted(WorkspaceEvent):
    TOPIC = "workspace.channel_deleted.v1"
    channel: str

    def apply(self, w: Workspace) -> None:
        w.deleted_channels.add(self.channel)


class UserDeleted(WorkspaceEvent):
    TOPIC = "workspace.user_deleted.v1"
    user_id: str

    def apply(self, w: Workspace) -> None:
        w.deleted_users.add(self.user_id)


class Workspace(BaseAggregate[UUID]):
    TOPIC = "chronicle.aggregate.workspace"
    Event, Registered, TimeZoneChanged = WorkspaceEvent, Registered, TimeZoneChanged
    ChannelAdded, ChannelDeleted, UserDeleted = ChannelAdded, ChannelDeleted, UserDeleted

    @staticmethod
    def id_for(workspace_id: str) -> UUID:
        return aggregate_id("workspace", workspace_id, workspace_id)

    @classmethod
    def register(cls, meta: EventMeta) -> Workspace:
        return cls._create(cls.Registered, id=cls.id_for(meta.workspace_id), meta=meta)

    # Rules checked before the workspace is registered, so a rejected first change
    # leaves no registration behind.
    @staticmethod
    def check_time_zone(time_zone: str) -> None:
        rule(
            known_time_zone(time_zone),
            "workspace.time_zone",
            f"{time_zone!r} is not an IANA time zone (e.g. Europe/Paris)",
            "data.time_zone",
        )

    @staticmethod
    def check_user_deletion(meta: EventMeta, user_id: str) -> None:
        rule(
            not (meta.actor.type == "user" and meta.actor.id == user_id),
            "workspace.user_deletes_self",
            "a user cannot delete themselves",
            "data.user_id",
        )

    def set_time_zone(self, meta: EventMeta, time_zone: str) -> None:
        self.check_time_zone(time_zone)
        if time_zone != self.time_zone:
            self.trigger_event(
                self.TimeZoneChanged,
                meta=meta,
                old_time_zone=self.time_zone,
                new_time_zone=time_zone,
            )

    def add_channel(self, meta: EventMeta, channel: str, name: str | None) -> None:
        active = channel in self.channels and channel not in self.deleted_channels
        if not (active and self.channels[channel] == name):  # else: a repeat
            self.trigger_event(self.ChannelAdded, meta=meta, channel=channel, name=name)

    def delete_channel(self, meta: EventMeta, channel: str) -> None:
        """A channel need not have been added explicitly: it may be known only from the
        conversations and connections on it."""
        if channel not in self.deleted_channels:
            self.trigger_event(self.ChannelDeleted, meta=meta, channel=channel)

    def delete_user(self, meta: EventMeta, user_id: str) -> None:
        self.check_user_deletion(meta, user_id)
        if user_id not in self.deleted_users:
            self.trigger_event(self.UserDeleted, meta=meta, user_id=user_id)
