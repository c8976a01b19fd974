"""OutgoingEmail: draft -> queued -> sent | failed, and nothing else (seed 001)."""

import pytest

from domain.email_values import MailboxRef, Recipient
from domain.outgoing_email import OutgoingEmail
from domain.shared import RuleViolation
from tests.support.domain import ANN, meta, names, replay

pytestmark = pytest.mark.unit
MAILBOX = MailboxRef("mb_dana", "u_17", "support", "dana@acme.test")


def drafted() -> OutgoingEmail:
    return OutgoingEmail.draft(
        meta("e1"),
        "em_1",
        mailbox=MAILBOX,
        recipients=(Recipient("ann@example.com", "Ann", "to"),),
        subject="Your refund",
        content="<p>Refunded</p>",
    )


def given(*steps: str) -> OutgoingEmail:
    email = drafted()
    for n, step in enumerate(steps):
        m = meta(f"e{n + 2}")
        if step == "queue":
            email.queue(m)
        elif step == "start":
            email.start_sending(m, email.attempts + 1)
        elif step == "sent":
            email.mark_sent(m, contact_ids=(), snippet="")
        else:
            email.mark_failed(m, "550 no such user", code=550)
    return email


def test_a_draft_is_the_default_status_and_names_its_mailbox_and_message_id():
    email = drafted()
    events = email.collect_events()
    assert names(events) == ["Drafted"]
    rebuilt = replay(events)
    assert rebuilt.status == "draft"
    assert rebuilt.mailbox == MAILBOX
    assert rebuilt.message_id == f"<{email.id}@acme.test>"  # fixed at draft: sent with it


def test_draft_queued_sent_is_kept_change_by_change_with_time_and_actor():
    email = given("queue", "start", "sent")
    events = email.collect_events()
    assert names(events) == ["Drafted", "Queued", "SendingStarted", "Sent"]
    assert [e.meta.envelope_id for e in events] == ["e1", "e2", "e3", "e4"]
    assert all(e.meta.actor.id == "u_17" and e.meta.occurred_at for e in events)
    assert replay(events).status == "sent"


def test_queued_can_fail_with_the_error():
    events = given("queue", "failed").collect_events()
    failed = events[-1]
    assert (failed.error, failed.code, failed.outcome_unknown) == ("550 no such user", 550, False)
    assert replay(events).status == "failed"


@pytest.mark.parametrize(
    ("steps", "command", "current", "requested"),
    [
        ((), "sent", "draft", "sent"),
        ((), "failed", "draft", "failed"),
        (("queue",), "queue", "queued", "queued"),
        (("queue", "sent"), "queue", "sent", "queued"),
        (("queue", "sent"), "failed", "sent", "failed"),
        (("queue", "failed"), "sent", "failed", "sent"),
        (("queue", "failed"), "queue", "failed", "queued"),
    ],
)
def test_any_other_transition_is_refused_naming_both_statuses(steps, command, current, requested):
    email = given(*steps)
    email.collect_events()
    with pytest.raises(RuleViolation) as refused:
        {
            "queue": lambda: email.queue(meta("x")),
            "sent": lambda: email.mark_sent(meta("x"), contact_ids=(), snippet=""),
            "failed": lambda: email.mark_failed(meta("x"), "boom"),
        }[command]()
    assert refused.value.rule == "email.transition"
    assert f"that is {current} cannot become {requested}" in refused.value.message
    assert email.collect_events() == []


def test_an_attempt_in_doubt_cannot_be_started_again():
    email = given("queue", "start")
    assert email.in_doubt and email.attempts == 1
    with pytest.raises(RuleViolation) as refused:
        email.start_sending(meta("x", ANN), 2)
    assert refused.value.rule == "email.attempt_in_doubt"


def test_attempts_are_numbered_and_only_queued_emails_are_sent():
    with pytest.raises(RuleViolation) as not_queued:
        given().start_sending(meta("x"), 1)
    assert not_queued.value.rule == "email.send_requires_queued"
    with pytest.raises(RuleViolation) as skipped:
        given("queue").start_sending(meta("x"), 2)
    assert skipped.value.rule == "email.attempt_number"


def test_an_email_needs_a_recipient():
    with pytest.raises(RuleViolation) as refused:
        OutgoingEmail.draft(meta(), "em_2", mailbox=MAILBOX, recipients=(), subject="", content="")
    assert refused.value.rule == "email.recipients"
