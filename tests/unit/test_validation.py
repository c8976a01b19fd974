"""What the ingest edge says about each kind of bad message (pure checks, no services)."""

import msgspec
import pytest

from services.ingest.validation import Incoming, Invalid, Valid, check

pytestmark = pytest.mark.unit

SUBJECT = "audit.ingest.ws_acme.conversation.reassigned"


def envelope(**overrides):
    body = {
        "id": "env-1",
        "type": "conversation.reassigned",
        "workspace_id": "ws_acme",
        "occurred_at": "2026-11-20T09:15:00Z",
        "actor": {"type": "user", "id": "u_17", "name": "Dana"},
        "data": {"conversation_id": "conv_1", "to_agent_id": "u_21"},
    }
    body.update(overrides)
    return msgspec.json.encode(body)


def fields(result) -> list[str]:
    assert isinstance(result, Invalid), result
    return [r["field"] for r in result.reasons]


def test_a_well_formed_envelope_is_valid_and_keeps_its_metadata():
    result = check(Incoming(SUBJECT, envelope(team_id="support"), {"Nats-Msg-Id": "env-1"}))
    assert isinstance(result, Valid)
    assert result.meta.workspace_id == "ws_acme"
    assert result.meta.actor.name == "Dana"
    assert result.meta.team_id == "support"
    assert result.meta.correlation_id == "env-1"
    assert result.meta.occurred_at.utcoffset().total_seconds() == 0


def test_malformed_json_is_named_body():
    assert fields(check(Incoming(SUBJECT, b'{"id": "x'))) == ["body"]


def test_invalid_utf8_is_named_body():
    assert fields(check(Incoming(SUBJECT, b'{"id": "\xff\xfe"}'))) == ["body"]


def test_each_missing_or_wrong_field_is_named():
    result = check(
        Incoming(
            SUBJECT, envelope(actor={"type": "robot", "id": ""}, occurred_at="2026-11-20T09:15:00")
        )
    )
    assert set(fields(result)) == {"actor.type", "actor.id", "occurred_at"}


def test_the_subject_must_agree_with_the_envelope():
    result = check(Incoming("audit.ingest.ws_other.conversation.resolved", envelope()))
    assert set(fields(result)) == {"workspace_id", "type"}
    assert result.envelope_id == "env-1"


def test_a_reject_belongs_to_the_subjects_workspace_never_to_the_one_the_body_names():
    """The producer that sent it listens on its own workspace's notices; the workspace the
    body names did not send it and must not hear of it (or have it in its rejects)."""
    mismatch = check(Incoming("audit.ingest.ws_other.conversation.reassigned", envelope()))
    assert fields(mismatch) == ["workspace_id"]
    assert mismatch.workspace_id == "ws_other"
    unparseable = check(Incoming("audit.ingest.ws_other.conversation.reassigned", b"{"))
    assert unparseable.workspace_id == "ws_other"
    short = check(Incoming("audit.ingest.ws_other.contact", envelope()))
    assert fields(short) == ["subject"] and short.workspace_id == "ws_other"
    partitioned = check(Incoming("audit.partitioned.1.ws_other.conversation.reassigned", b"{"))
    assert partitioned.workspace_id == "ws_other"


def test_a_nats_msg_id_that_is_not_the_envelope_id_is_rejected():
    assert fields(check(Incoming(SUBJECT, envelope(), {"Nats-Msg-Id": "other"}))) == [
        "headers.Nats-Msg-Id"
    ]


def test_unknown_types_and_subjects_are_rejected():
    body = envelope(type="conversation.teleported")
    assert fields(check(Incoming("audit.ingest.ws_acme.conversation.teleported", body))) == ["type"]
    assert fields(check(Incoming("audit.ingest.ws_acme", envelope()))) == ["subject"]


def test_data_fields_are_checked_against_the_type_and_named_with_their_path():
    result = check(Incoming(SUBJECT, envelope(data={"to_agent_id": 5, "colour": "red"})))
    assert set(fields(result)) == {"data.conversation_id", "data.to_agent_id", "data.colour"}


def test_far_future_timestamps_are_rejected():
    assert fields(check(Incoming(SUBJECT, envelope(occurred_at="2999-01-01T00:00:00Z")))) == [
        "occurred_at"
    ]


def test_a_partitioned_subject_is_read_as_the_subject_the_producer_used():
    result = check(Incoming("audit.partitioned.2.ws_acme.conversation.reassigned", envelope()))
    assert isinstance(result, Valid)
    wrong = check(Incoming("audit.partitioned.2.ws_other.conversation.reassigned", envelope()))
    assert fields(wrong) == ["workspace_id"]


def test_a_nul_anywhere_is_named_by_its_exact_path_and_an_escaped_backslash_is_not_one():
    nul = envelope(data={"conversation_id": "conv_1", "to_agent_id": "u\x0021"})
    assert b"\\u0000" in nul  # how JSON carries it: the fast path must not skip it
    assert fields(check(Incoming(SUBJECT, nul))) == ["data.to_agent_id"]
    assert fields(check(Incoming(SUBJECT, envelope(id="env\x00-1")))) == ["id"]
    actor = envelope(actor={"type": "user", "id": "u_17", "name": "Da\x00na"})
    assert fields(check(Incoming(SUBJECT, actor))) == ["actor.name"]
    added = msgspec.json.encode(
        {
            "id": "env-2",
            "type": "contact.added",
            "workspace_id": "ws_acme",
            "occurred_at": "2026-11-20T09:15:00Z",
            "actor": {"type": "user", "id": "u_17"},
            "data": {
                "contact_id": "c_1",
                "name": "Ann\x00",
                "source": "api",
                "emails": ["a@example.com", "b\x00@example.com"],
            },
        }
    )
    reasons = check(Incoming("audit.ingest.ws_acme.contact.added", added)).reasons
    assert [r["field"] for r in reasons] == ["data.name", "data.emails.1"]
    assert all("NUL" in r["problem"] for r in reasons)
    key = envelope(data={"conversation_id": "conv_1", "to_agent_id": "u", "x\x00": 1})
    assert "data.x\\u0000" in fields(check(Incoming(SUBJECT, key)))
    literal = envelope(data={"conversation_id": "conv_1", "to_agent_id": "u\\u0000"})
    assert isinstance(check(Incoming(SUBJECT, literal)), Valid)  # text, not a NUL


@pytest.mark.parametrize(
    ("type_", "data", "field"),
    [
        ("conversation.resolved", {"conversation_id": "c1", "automatic": "yes"}, "automatic"),
        ("conversation.resolved", {"conversation_id": "c1", "automatic": 1}, "automatic"),
        (
            "conversation.interaction_closed",
            {"conversation_id": "c1", "message_count": "3"},
            "message_count",
        ),
        (
            "conversation.interaction_closed",
            {"conversation_id": "c1", "message_count": 3.0},
            "message_count",
        ),
        (
            "conversation.message_viewed",
            {
                "conversation_id": "c1",
                "message_id": "m1",
                "viewer": {"type": "customer", "id": "c_ann"},
                "viewed_at": 1796523803,
            },
            "viewed_at",
        ),
    ],
)
def test_data_takes_the_types_its_schema_states_not_lookalikes(type_, data, field):
    """The published schemas say boolean, integer and date-time string; pydantic's lax mode
    took "yes" and 1 for true, "3" and 3.0 for 3, and Unix seconds for a time."""
    body = envelope(type=type_, data=data)
    assert fields(check(Incoming(f"audit.ingest.ws_acme.{type_}", body))) == [f"data.{field}"]


@pytest.mark.parametrize("occurred_at", [1796523803, "1796523803", 1.5e9, True])
def test_occurred_at_is_a_date_time_string_never_a_number(occurred_at):
    result = check(Incoming(SUBJECT, envelope(occurred_at=occurred_at)))
    assert fields(result) == ["occurred_at"]
    assert "RFC 3339" in result.reasons[0]["problem"]
