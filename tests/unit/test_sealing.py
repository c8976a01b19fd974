"""Sealing personal data: every personal field of every event class is stored sealed,
reads back exactly, and reads as erased, of its own type, once its subject's key is gone."""

import msgspec
import pytest
from eventsourcing.persistence import StoredEvent

from adapters.keys import Keyring, KeysNotLoaded, MemoryKeys
from adapters.mapper import MsgspecMapper
from adapters.sealing import MARK, Sealer, _collect
from domain import personal
from domain.catalogue import event_classes
from domain.personal import ERASED
from domain.shared import Actor
from services.ingest.dry_run import Workspace, example_events
from services.ingest.registry import COMMANDS
from tests.support.erasure_scenario import WS, erasure_scenario

pytestmark = pytest.mark.unit


def scenario_events() -> list:
    """Every event of the registry's examples and of Zed's story (rich in personal data)."""
    events = [e for type_ in COMMANDS for e in example_events(type_)]
    workspace = Workspace(WS)
    for message in erasure_scenario():
        body = msgspec.json.decode(message.body)
        actor = Actor(**body["actor"])
        events += workspace.tell(body["type"], body["data"], actor)
    return events


EVENTS = scenario_events()


def personal_slots(event, values: dict) -> list[tuple]:
    """(container, key) of every personal value of `event` in its JSON values."""
    slots: list = []
    for path in (*getattr(event, "PERSONAL", ()), *getattr(event, "PERSONAL_BY_ADDRESS", ())):
        _collect(values, tuple(path.split(".")), slots)
    if event.meta.actor.type in personal.CUSTOMER_ACTORS and event.meta.actor.name:
        slots.append((values["meta"]["actor"], "name"))
    return slots


def stored_values(stored: StoredEvent) -> dict:
    return msgspec.json.decode(stored.state)


def plain_values(event) -> dict:
    state = {
        k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version")
    }
    return msgspec.json.decode(msgspec.json.encode(state))


def test_every_event_class_with_personal_fields_has_them_filled_in_these_examples():
    filled = {type(e).TOPIC for e in EVENTS if personal_slots(e, plain_values(e))}
    declared = {
        topic
        for topic, cls in event_classes().items()
        if getattr(cls, "PERSONAL", ()) or getattr(cls, "PERSONAL_BY_ADDRESS", ())
    }
    assert declared - filled == set()


def test_every_personal_value_is_stored_sealed_and_reads_back_exactly():
    mapper = MsgspecMapper(Keyring(MemoryKeys()))
    for event in EVENTS:
        stored = mapper.to_stored_event(event)
        values = stored_values(stored)
        for container, key in personal_slots(event, values):
            assert container[key].startswith(MARK), (type(event).TOPIC, key, container[key])
        assert mapper.to_domain_event(stored) == event


def test_once_the_keys_are_gone_each_personal_value_reads_erased_and_nothing_else_changes():
    keys = MemoryKeys()
    mapper = MsgspecMapper(Keyring(keys))
    stored = [mapper.to_stored_event(e) for e in EVENTS]
    for workspace, subject in list(keys.live):
        keys.erase(workspace, subject)
    for event, sealed in zip(EVENTS, stored, strict=True):
        erased = mapper.to_domain_event(sealed)
        assert type(erased) is type(event)
        expected = plain_values(event)
        for container, key in personal_slots(event, expected):
            container[key] = ERASED
        assert plain_values(erased) == expected, type(event).TOPIC


def test_a_recipient_keeps_their_address_when_another_one_is_erased():
    keys = MemoryKeys()
    mapper = MsgspecMapper(Keyring(keys))
    [drafted] = [
        e for e in EVENTS if type(e).TOPIC == "email.drafted.v1" and len(e.recipients) == 2
    ]
    stored = mapper.to_stored_event(drafted)
    keys.erase(WS, personal.address("zed.quill@example.com"))
    read = mapper.to_domain_event(stored)
    assert [(r.address, r.name) for r in read.recipients] == [
        (ERASED, ERASED),
        ("bob.other@example.com", "Bob Other"),
    ]
    assert read.subject == ERASED  # shared by both: erased with either of them
    assert read.content_type == drafted.content_type and read.email_id == drafted.email_id


def test_a_users_name_is_not_sealed_a_customers_is():
    mapper = MsgspecMapper(Keyring(MemoryKeys()))
    by_user = next(e for e in EVENTS if e.meta.actor.type == "user" and e.meta.actor.name)
    by_customer = next(e for e in EVENTS if e.meta.actor.type == "customer" and e.meta.actor.name)
    assert stored_values(mapper.to_stored_event(by_user))["meta"]["actor"]["name"] == "Dana"
    sealed = stored_values(mapper.to_stored_event(by_customer))["meta"]["actor"]["name"]
    assert sealed.startswith(MARK)


def test_a_sealed_value_copied_into_another_event_does_not_open_there():
    mapper = MsgspecMapper(Keyring(MemoryKeys()))
    first, second = [e for e in EVENTS if type(e).TOPIC == "conversation.message_received.v1"][:2]
    a, b = mapper.to_stored_event(first), mapper.to_stored_event(second)
    body_a = stored_values(a)["message"]["body"]
    body_b = stored_values(b)["message"]["body"]
    forged = StoredEvent(
        b.originator_id,
        b.originator_version,
        b.topic,
        b.state.replace(body_b.encode(), body_a.encode()),
    )
    assert mapper.to_domain_event(forged).message.body == body_a  # shown as stored, not opened


def test_events_with_personal_data_and_no_keyring_are_refused_and_unreadable():
    sealed = MsgspecMapper(Keyring(MemoryKeys())).to_stored_event(EVENTS[0])
    with pytest.raises(RuntimeError, match="no keyring"):
        MsgspecMapper().to_stored_event(EVENTS[0])
    with pytest.raises(KeysNotLoaded):
        MsgspecMapper().to_domain_event(sealed)


def test_events_without_personal_data_are_stored_as_before():
    plain = Sealer()
    resolved = next(e for e in EVENTS if type(e).TOPIC == "conversation.resolved.v1")
    assert plain.plan(type(resolved), dict(vars(resolved))) is None
    stored = MsgspecMapper().to_stored_event(resolved)
    assert MARK.encode() not in stored.state


@pytest.mark.parametrize(
    "text",
    ["\u00a7e1:x:y", '\u00a7e1:1:a"b', "\u00a7e1:1", "\u00a7e1:1..2:AAAA", "a \u00a7e1:1:AAAA"],
)
def test_a_producers_text_that_looks_sealed_reads_back_as_given(text):
    keys = MemoryKeys()
    mapper = MsgspecMapper(Keyring(keys))
    tagged = next(e for e in EVENTS if type(e).TOPIC == "conversation.tag_added.v1")
    event = type(tagged)(**{**vars(tagged), "tag": text})
    stored = mapper.to_stored_event(event)
    assert mapper.to_domain_event(stored).tag == text
    for workspace, subject in list(keys.live):
        keys.erase(workspace, subject)
    assert mapper.to_domain_event(stored).tag == text


def test_an_email_to_an_unknown_address_is_sealed_under_that_address_to_its_end():
    workspace, keys = Workspace(WS), MemoryKeys()
    mapper = MsgspecMapper(Keyring(keys))
    draft = {
        "email_id": "em_x",
        "mailbox_id": "mb",
        "recipients": [{"address": "nobody@example.org"}],
        "subject": "Hello there",
        "content": "text",
    }
    events = workspace.tell("email.drafted", draft) + workspace.tell(
        "email.queued", {"email_id": "em_x"}
    )
    events += workspace.tell("email.sending_started", {"email_id": "em_x", "attempt": 1})
    events += workspace.tell(
        "email.failed", {"email_id": "em_x", "error": "550 nobody@example.org"}
    )
    stored = [mapper.to_stored_event(e) for e in events]
    assert b"nobody@example.org" not in b"".join(s.state for s in stored)
    keys.erase(WS, personal.address("Nobody@Example.org"))
    failed = mapper.to_domain_event(stored[-1])
    assert failed.error == ERASED and failed.code is None
