"""Handlers of `workspace.*` envelopes, and their entries for the ingest registry."""

from __future__ import annotations

from domain.shared import EventMeta
from domain.workspace import Workspace
from services.ingest.contracts import workspace as w
from services.ingest.unit_of_work import UnitOfWork


def _workspace(uow: UnitOfWork, meta: EventMeta) -> Workspace:
    """The workspace's settings aggregate, registered on its first change."""
    found = uow.find(Workspace.id_for(meta.workspace_id))
    if found is None:
        found = Workspace.register(meta)
        uow.add(found)
    return found


def settings_changed(uow: UnitOfWork, meta: EventMeta, d: w.SettingsChanged) -> None:
    Workspace.check_time_zone(d.time_zone)
    _workspace(uow, meta).set_time_zone(meta, d.time_zone)


def channel_added(uow: UnitOfWork, meta: EventMeta, d: w.ChannelAdded) -> None:
    _workspace(uow, meta).add_channel(meta, d.channel, d.name)


def channel_deleted(uow: UnitOfWork, meta: EventMeta, d: w.ChannelDeleted) -> None:
    _workspace(uow, meta).delete_channel(meta, d.channel)


def user_deleted(uow: UnitOfWork, meta: EventMeta, d: w.UserDeleted) -> None:
    Workspace.check_user_deletion(meta, d.user_id)
    _workspace(uow, meta).delete_user(meta, d.user_id)


WHATSAPP = ("workspace.channel_added", {"channel": "whatsapp", "name": "WhatsApp +1 555 0100"})

# (type, data model, handler, kind, summary, example, given): the registry's order.
WORKSPACE = [
    (
        "workspace.settings_changed",
        w.SettingsChanged,
        settings_changed,
        "command",
        "The workspace's settings changed (its time zone, which reports cut days in)",
        {"time_zone": "Europe/Paris"},
        (),
    ),
    (
        "workspace.channel_added",
        w.ChannelAdded,
        channel_added,
        "command",
        "A channel was added to the workspace (or renamed, or added back)",
        WHATSAPP[1],
        (),
    ),
    (
        "workspace.channel_deleted",
        w.ChannelDeleted,
        channel_deleted,
        "command",
        "A channel was deleted (reports still count its data; filters no longer offer it)",
        {"channel": "whatsapp"},
        (WHATSAPP,),
    ),
    (
        "workspace.user_deleted",
        w.UserDeleted,
        user_deleted,
        "command",
        "A user was deleted (logs show them by id from then on)",
        {"user_id": "u_21"},
        (),
    ),
]
