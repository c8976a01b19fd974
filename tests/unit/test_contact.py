import pytest

from domain.contact import Contact
from domain.shared import RuleViolation
from tests.support.domain import meta, names, replay

pytestmark = pytest.mark.unit


def test_adding_a_contact_records_its_source():
    contact = Contact.add(
        meta(), "c_ann", source="import", name="Ann Lee", emails=("ann@example.com",)
    )
    (event,) = contact.collect_events()
    assert (event.contact_id, event.source, event.emails) == (
        "c_ann",
        "import",
        ("ann@example.com",),
    )


def test_an_unknown_source_breaks_a_named_rule():
    with pytest.raises(RuleViolation) as raised:
        Contact.add(meta(), "c_ann", source="carrier_pigeon")
    assert raised.value.rule == "contact.source"


def test_connecting_on_a_channel_is_recorded_once():
    contact = replay(Contact.add(meta(), "c_ann", source="api").collect_events())
    contact.connect(meta("e2"), "whatsapp", "incoming_message")
    contact.connect(meta("e3"), "whatsapp", "user")
    assert names(contact.collect_events()) == ["Connected"]
    assert contact.connected_channels == {"whatsapp"}
