"""Contact and activity rules, through the real handlers on an in-memory store."""

import pytest

from domain.shared import RuleViolation
from services.ingest.dry_run import Workspace
from services.ingest.registry import ANN, BO

pytestmark = pytest.mark.unit

MERGE = ("contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_bo"]})


def names(events):
    return [type(e).__name__ for e in events]


def rule_broken(workspace: Workspace, type_: str, data: dict) -> str:
    with pytest.raises(RuleViolation) as raised:
        workspace.tell(type_, data)
    return raised.value.rule


def test_an_update_keeps_old_and_new_and_says_whether_it_is_significant():
    ws = Workspace().given(ANN)
    (name,) = ws.tell("contact.updated", {"contact_id": "c_ann", "field": "name", "new": "Ann L"})
    (colour,) = ws.tell(
        "contact.updated", {"contact_id": "c_ann", "field": "custom.colour", "new": "red"}
    )
    assert (name.old, name.new, name.significant) == ("Ann Lee", "Ann L", True)
    assert (colour.old, colour.significant) == (None, False)
    assert (
        ws.tell("contact.updated", {"contact_id": "c_ann", "field": "name", "new": "Ann L"}) == []
    )


def test_a_deleted_contact_takes_no_changes_and_deleting_again_repeats():
    ws = Workspace().given(BO, ("contact.deleted", {"contact_id": "c_bo"}))
    assert ws.tell("contact.deleted", {"contact_id": "c_bo"}) == []
    assert (
        rule_broken(ws, "contact.updated", {"contact_id": "c_bo", "field": "name", "new": "x"})
        == "contact.deleted"
    )


def test_merging_records_both_sides_and_the_merged_contact_is_frozen():
    ws = Workspace().given(ANN, BO)
    events = {type(e).__name__: e for e in ws.tell(*MERGE)}
    assert sorted(events) == ["MergedFrom", "MergedInto"]
    assert (events["MergedInto"].contact_id, events["MergedInto"].primary_contact_id) == (
        "c_bo",
        "c_ann",
    )
    assert (events["MergedFrom"].contact_id, events["MergedFrom"].merged_contact_ids) == (
        "c_ann",
        ("c_bo",),
    )
    assert ws.tell(*MERGE) == []  # the same merge again is a repeat
    assert (
        rule_broken(
            ws, "contact.connected", {"contact_id": "c_bo", "channel": "sms", "source": "user"}
        )
        == "contact.merged_away"
    )


def test_a_contact_cannot_be_merged_into_itself_nor_merge_a_deleted_one():
    ws = Workspace().given(ANN, BO, ("contact.deleted", {"contact_id": "c_bo"}))
    assert rule_broken(
        ws, "contact.merged", {"contact_id": "c_ann", "merged_contact_ids": ["c_ann"]}
    ) == ("contact.merge_into_self")
    assert rule_broken(ws, *MERGE) == "contact.deleted"


def test_messages_to_a_merged_away_contact_connect_the_primary():
    ws = Workspace().given(
        ANN,
        BO,
        MERGE,
        (
            "conversation.opened",
            {"conversation_id": "conv_b", "channel": "sms", "contact_id": "c_bo"},
        ),
    )
    events = ws.tell(
        "conversation.message_received",
        {"conversation_id": "conv_b", "message_id": "m", "body": "hi"},
    )
    assert [(type(e).__name__, getattr(e, "contact_id", None)) for e in events] == [
        ("MessageReceived", None),
        ("Connected", "c_ann"),
    ]


def test_a_lead_conversion_is_logged_on_the_contact_and_as_an_activity_on_both():
    events = (
        Workspace()
        .given(ANN)
        .tell(
            "lead.converted", {"lead_id": "l_9", "lead_name": "Ann (lead)", "contact_id": "c_ann"}
        )
    )
    assert names(events) == ["LeadConverted", "Logged"]
    details = events[1].details
    assert (details.type, details.contact.id, details.lead.id) == (
        "lead_conversion",
        "c_ann",
        "l_9",
    )


def test_an_unknown_widget_visitor_becomes_a_contact():
    events = Workspace().tell(
        "activity.widget_chat_started",
        {"chat_id": "w1", "contact_id": "c_new", "visitor_name": "V"},
    )
    assert names(events) == ["Added", "WidgetChatStarted"]
    assert events[0].source == "incoming_message"


def test_an_activity_needs_a_subject_and_is_deleted_once():
    ws = Workspace()
    assert rule_broken(ws, "activity.logged", {"activity_id": "a", "type": "note"}) == (
        "activity.subject"
    )
    ws.tell("activity.logged", {"activity_id": "a", "type": "note", "lead_id": "l_1"})
    assert names(ws.tell("activity.deleted", {"activity_id": "a"})) == ["Deleted"]
    assert ws.tell("activity.deleted", {"activity_id": "a"}) == []
