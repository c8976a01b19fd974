"""The Workspace aggregate: time zone, channels and users, with their rules and repeats."""

import pytest

from domain.shared import RuleViolation
from domain.workspace import Workspace
from services.ingest.dry_run import Workspace as DryRun
from tests.support.domain import meta, names, replay

pytestmark = pytest.mark.unit


def registered():
    return replay(Workspace.register(meta()).collect_events())


def test_a_new_workspace_reports_in_utc_until_its_zone_is_set():
    workspace = registered()
    assert workspace.time_zone == "UTC"
    workspace.set_time_zone(meta("e2"), "Asia/Kathmandu")
    workspace.set_time_zone(meta("e3"), "Asia/Kathmandu")  # a repeat: already so
    (changed,) = workspace.collect_events()
    assert (changed.old_time_zone, changed.new_time_zone) == ("UTC", "Asia/Kathmandu")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "/etc/localtime", "+05:30"])
def test_only_iana_zones_are_accepted(zone):
    with pytest.raises(RuleViolation) as raised:
        registered().set_time_zone(meta("e2"), zone)
    assert (raised.value.rule, raised.value.field) == ("workspace.time_zone", "data.time_zone")


def test_a_rejected_first_change_registers_nothing():
    dry = DryRun()
    with pytest.raises(RuleViolation):
        dry.tell("workspace.settings_changed", {"time_zone": "Mars/Olympus"})
    assert dry.leftover == []  # no registration raised before the rule broke
    recorded = dry.tell("workspace.settings_changed", {"time_zone": "Europe/Paris"})
    assert names(recorded) == ["Registered", "TimeZoneChanged"]


def test_channels_are_deleted_once_and_can_come_back():
    workspace = registered()
    workspace.add_channel(meta("e2"), "whatsapp", "WhatsApp +1 555")
    workspace.add_channel(meta("e3"), "whatsapp", "WhatsApp +1 555")  # repeat
    workspace.delete_channel(meta("e4"), "whatsapp")
    workspace.delete_channel(meta("e5"), "whatsapp")  # repeat
    workspace.delete_channel(meta("e6"), "sms")  # known only from the data: fine
    workspace.add_channel(meta("e7"), "whatsapp", "WhatsApp +1 555")  # added back
    assert names(workspace.collect_events()) == [
        "ChannelAdded",
        "ChannelDeleted",
        "ChannelDeleted",
        "ChannelAdded",
    ]
    assert workspace.deleted_channels == {"sms"}


def test_users_are_deleted_once_and_not_by_themselves():
    workspace = registered()
    workspace.delete_user(meta("e2"), "u_21")
    workspace.delete_user(meta("e3"), "u_21")
    assert names(workspace.collect_events()) == ["UserDeleted"]
    with pytest.raises(RuleViolation) as raised:
        workspace.delete_user(meta("e4"), "u_17")  # meta's actor is u_17
    assert raised.value.rule == "workspace.user_deletes_self"
