"""Random command sequences: no crash, rejected commands leave nothing, replay equals live."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.contact import Contact
from domain.conversation import Conversation
from domain.shared import RuleViolation
from services.ingest.dry_run import Workspace, rebuilt

pytestmark = pytest.mark.unit

MESSAGES = st.sampled_from(["m1", "m2", "m3"])
CONV = {"conversation_id": "conv_1"}
OPT = st.none() | st.sampled_from(["u1", "u2"])


def conversation_step():
    msg = st.fixed_dictionaries(
        {
            **{k: st.just(v) for k, v in CONV.items()},
            "message_id": MESSAGES,
            # no lone surrogates: not valid UTF-8, so no envelope on the bus holds one
            "body": st.text(
                st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=20,
            ),
        }
    )
    simple = st.sampled_from(
        [
            "conversation.reopened",
            "conversation.archived",
            "conversation.unarchived",
            "conversation.marked_spam",
            "conversation.unmarked_spam",
            "conversation.chat_ended",
            "conversation.put_on_hold",
        ]
    ).map(lambda t: (t, CONV))
    return st.one_of(
        simple,
        msg.map(lambda d: ("conversation.message_received", d)),
        msg.map(lambda d: ("conversation.message_sent", d)),
        msg.map(lambda d: ("conversation.replied_and_archived", d)),
        msg.map(lambda d: ("conversation.replied_and_reopened", d)),
        st.booleans().map(lambda a: ("conversation.resolved", {**CONV, "automatic": a})),
        st.tuples(OPT, OPT).map(
            lambda p: ("conversation.reassigned", {**CONV, "to_agent_id": p[0], "to_team_id": p[1]})
        ),
        st.sampled_from(["a", "b"]).map(lambda t: ("conversation.tag_added", {**CONV, "tag": t})),
        st.sampled_from(["a", "b"]).map(lambda t: ("conversation.tag_removed", {**CONV, "tag": t})),
        st.sampled_from(["n1", "n2"]).map(
            lambda n: ("conversation.note_pinned", {**CONV, "note_id": n})
        ),
        st.sampled_from(["n1", "n2"]).map(
            lambda n: ("conversation.note_unpinned", {**CONV, "note_id": n})
        ),
        st.sampled_from(["r1", "r2"]).map(
            lambda r: ("conversation.reminder_added", {**CONV, "reminder_id": r})
        ),
        st.sampled_from(["r1", "r2"]).map(
            lambda r: ("conversation.reminder_triggered", {**CONV, "reminder_id": r})
        ),
        MESSAGES.map(
            lambda m: (
                "conversation.message_viewed",
                {
                    **CONV,
                    "message_id": m,
                    "viewer": {"type": "customer", "id": "c1"},
                    "viewed_at": "2026-11-20T10:00:00Z",
                },
            )
        ),
        MESSAGES.map(lambda m: ("conversation.customer_marked_spam", {**CONV, "message_id": m})),
        st.sampled_from(["S1", "S2"]).map(
            lambda s: ("conversation.subject_edited", {**CONV, "subject": s})
        ),
        st.just(("conversation.merged", {**CONV, "into_conversation_id": "conv_2"})),
        st.just(("conversation.interaction_closed", CONV)),
    )


CONTACTS = st.sampled_from(["c1", "c2", "c3"])


def contact_step():
    return st.one_of(
        CONTACTS.map(lambda c: ("contact.added", {"contact_id": c, "source": "api"})),
        st.tuples(
            CONTACTS,
            st.sampled_from(["name", "emails", "custom.x"]),
            st.none() | st.sampled_from(["A", "B"]),
        ).map(lambda t: ("contact.updated", {"contact_id": t[0], "field": t[1], "new": t[2]})),
        st.tuples(CONTACTS, st.sampled_from(["sms", "email"])).map(
            lambda t: ("contact.connected", {"contact_id": t[0], "channel": t[1], "source": "user"})
        ),
        CONTACTS.map(lambda c: ("contact.deleted", {"contact_id": c})),
        st.tuples(CONTACTS, st.lists(CONTACTS, min_size=1, max_size=2)).map(
            lambda t: ("contact.merged", {"contact_id": t[0], "merged_contact_ids": t[1]})
        ),
        st.tuples(st.sampled_from(["l1", "l2"]), CONTACTS).map(
            lambda t: ("lead.converted", {"lead_id": t[0], "contact_id": t[1]})
        ),
        st.tuples(CONTACTS, MESSAGES).map(
            lambda t: (
                "conversation.message_received",
                {"conversation_id": f"conv_{t[0]}", "message_id": t[1], "body": "hi"},
            )
        ),
    )


def check_step(ws: Workspace, type_: str, data: dict, aggregate_ids: list) -> None:
    before = {k: len(v) for k, v in ws.store.streams.items()}
    try:
        ws.tell(type_, data)
    except RuleViolation:
        assert ws.leftover == [], f"{type_} was rejected after recording {ws.leftover}"
        assert {k: len(v) for k, v in ws.store.streams.items()} == before
    for key in aggregate_ids:
        live = ws.cache.get(key)
        if live is not None and live is not _absent():
            assert rebuilt(ws.store, key) == live, f"live state drifted after {type_}"


def _absent():
    from services.ingest.unit_of_work import ABSENT

    return ABSENT


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conversation_step(), max_size=25))
def test_any_sequence_of_conversation_commands(steps):
    ws = Workspace().given(
        ("contact.added", {"contact_id": "c1", "source": "api"}),
        ("conversation.opened", {**CONV, "channel": "email", "contact_id": "c1"}),
        ("conversation.opened", {"conversation_id": "conv_2", "channel": "sms"}),
    )
    keys = [Conversation.id_for("ws_acme", c) for c in ("conv_1", "conv_2")]
    keys.append(Contact.id_for("ws_acme", "c1"))
    for type_, data in steps:
        check_step(ws, type_, data, keys)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contact_step(), max_size=25))
def test_any_sequence_of_contact_commands(steps):
    ws = Workspace()
    for c in ("c1", "c2", "c3"):
        ws.tell(
            "conversation.opened",
            {"conversation_id": f"conv_{c}", "channel": "sms", "contact_id": c},
        )
    keys = [Contact.id_for("ws_acme", c) for c in ("c1", "c2", "c3")]
    for type_, data in steps:
        check_step(ws, type_, data, keys)
