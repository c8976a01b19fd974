"""Stream positions and announcements: what a client sends back, and what a projector says."""

import pytest

from projections.engine.live import MAX_PAYLOAD, Announcement, parse, payload
from projections.shared.streams import BadPosition, Item, StreamPosition
from services.api.live.feed import _position

pytestmark = pytest.mark.unit
TIMELINE = (int, str)


def test_a_position_is_a_bare_group_or_a_group_and_the_item_inside_it():
    assert StreamPosition.parse("1234", TIMELINE) == StreamPosition(1234)
    inside = StreamPosition.parse("1234:1180:c:ann", TIMELINE)
    assert inside == StreamPosition(1234, (1180, "c:ann"))  # a subject may hold colons
    assert inside.encode() == "1234:1180:c:ann"
    assert StreamPosition(7).encode() == "7"


@pytest.mark.parametrize("text", ["", "x", "-1", "12:abc:c_1", "12:5", "1.5"])
def test_a_position_this_stream_never_sent_is_refused(text):
    with pytest.raises(BadPosition, match="Last-Event-ID"):  # the API answers 400
        StreamPosition.parse(text, TIMELINE)


def test_an_audit_position_has_no_inside():
    assert StreamPosition.parse("99", ()) == StreamPosition(99)
    with pytest.raises(BadPosition):
        StreamPosition.parse("99:1", ())


def test_only_the_last_item_of_a_group_carries_the_bare_group():
    items = [
        Item(10, (10, "a"), "entry", "{}"),
        Item(12, (3, "b"), "entry", "{}"),
        Item(12, (12, "a"), "entry", "{}"),
        Item(13, (13, "a"), "entry", "{}"),
    ]
    assert [_position(items, i).encode() for i in range(4)] == ["10", "12:3:b", "12", "13"]
    # one more than is sent is read: when it is of the same group, the last one sent
    # names itself, and the next read resumes inside the group
    assert _position(items[1:3], 0).encode() == "12:3:b"


def test_an_announcement_names_schema_position_and_workspaces():
    text = payload("rm_timeline", 42, ["ws_b", "ws_a", "ws_b"])
    assert text == "rm_timeline 42 ws_a ws_b"
    assert parse(text) == Announcement("rm_timeline", 42, frozenset({"ws_a", "ws_b"}))


def test_too_many_workspaces_to_name_means_any_of_them():
    many = [f"workspace-{i:05d}" for i in range(1000)]
    text = payload("rm_timeline", 42, many)
    assert len(text.encode()) <= MAX_PAYLOAD
    assert parse(text) == Announcement("rm_timeline", 42, None)
    assert parse("garbage") is None
