"""How a read model registers its handlers (projections/shared/handlers.py) and spells its
tables (projections/shared/tables.py): what it reads follows from its handlers, and a
name that is not there fails where it is written, not in production."""

import pytest

from domain.contact import Contact
from domain.conversation import Conversation, Message
from projections.engine.base import Recorded
from projections.shared.handlers import Model, handles
from projections.shared.tables import Table
from tests.support.domain import ANN, meta

pytestmark = pytest.mark.unit


class Seen(Model):
    """A model that notes what its handlers were given."""

    name = "seen"

    def tables(self) -> list[str]:
        return []

    async def erase(self, cur, erasure) -> None:
        pass

    async def begin(self, cur, events) -> list:
        return ["begin"]

    async def end(self, cur, batch: list) -> None:
        batch.append("end")
        self.noted = batch

    @handles(Conversation.Event)
    def any_conversation_event(self, batch: list, r: Recorded) -> None:
        batch.append(("any", type(r.event).__name__))

    @handles(Conversation.MessageReceived)
    async def received(self, batch: list, r: Recorded) -> None:
        batch.append(("received", r.position))

    @handles(Contact.LeadConverted)
    def converted(self, batch: list, r: Recorded) -> None:
        batch.append("converted")


def recorded(events) -> list[Recorded]:
    return [
        Recorded(n, e.originator_id, e.originator_version, type(e).TOPIC, e)
        for n, e in enumerate(events, start=1)
    ]


def test_a_model_reads_the_wire_names_of_its_handlers_classes_older_ones_and_erasures():
    seen = Seen()
    assert seen.wants("conversation.reassigned.v1")  # a base class: all its aggregate's
    assert seen.wants("contact.lead_converted.v2") and seen.wants("contact.lead_converted.v1")
    assert seen.wants("contact.erased.v1")  # every model rewrites what an erasure names
    assert not seen.wants("contact.added.v1") and not seen.wants("activity.logged.v1")
    assert set(Seen.handled()) == {"any_conversation_event", "received", "converted"}


async def test_apply_hands_each_event_in_log_order_to_its_handlers_in_definition_order():
    conversation = Conversation.open(meta(actor=ANN), "conv_1", channel="chat")
    conversation.receive_message(meta("e2", ANN), Message("m1", "chat", "Hello"))
    conversation.add_tag(meta("e3"), "vip")
    seen = Seen()
    await seen.apply(None, recorded(conversation.collect_events()))
    assert seen.noted == [
        "begin",
        ("any", "Opened"),
        ("any", "MessageReceived"),
        ("received", 2),
        ("any", "TagAdded"),
        "end",
    ]


def test_what_is_not_an_event_class_of_the_domain_is_refused_where_it_is_registered():
    for wrong in (Conversation, object, "conversation.reassigned"):
        with pytest.raises(TypeError, match="not an event class"):
            handles(wrong)


def test_a_table_names_only_its_own_columns():
    table = Table("rm_x", "things", "workspace_id text NOT NULL, name text", key="workspace_id")
    assert (str(table), table.at("rm_x_next")) == ("rm_x.things", "rm_x_next.things")
    assert table.c.name == "name" and table.names() == "workspace_id, name"
    with pytest.raises(AttributeError, match="no column 'title'"):
        table.names("workspace_id", "title")
    with pytest.raises(AttributeError, match="no column 'title'"):
        table.index("things_title", "workspace_id, lower(title)")
    with pytest.raises(AttributeError, match="no column 'id'"):
        Table("rm_x", "things", "workspace_id text", key="workspace_id, id")
    assert table.index("things_named", "lower(name)", where="name <> 'x'").create("s") == (
        "CREATE INDEX IF NOT EXISTS things_named ON s.things (lower(name)) WHERE name <> 'x'"
    )


def test_every_older_wire_name_keeps_the_type_a_read_model_knows_it_by():
    """wants() finds an older wire name by its type (contact.lead_converted.v1 reads as
    contact.lead_converted.v2): an upcaster that renamed the type would go unread."""
    from domain.catalogue import event_classes
    from domain.upcasters import UPCASTERS

    types = {topic.rsplit(".", 1)[0] for topic in event_classes()}
    assert {old.rsplit(".", 1)[0] for old in UPCASTERS} <= types
