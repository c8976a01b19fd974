"""Every envelope type of the catalogue, published on the bus, is stored and shows up in
the conversation's audit trail or on a contact's timeline (read over HTTP)."""

import psycopg
import pytest

from projections.engine.source import read_batches
from services.ingest.registry import COMMANDS
from tests.support.bus import publish_all
from tests.support.every_type import scenario_messages
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


async def recorded_by(database_url, workspace, envelope_id):
    """The events the example envelope recorded, from the store."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        row = await (
            await conn.execute(
                "SELECT position, event_count FROM ingest_envelopes "
                "WHERE workspace_id = %s AND envelope_id = %s",
                (workspace, envelope_id),
            )
        ).fetchone()
        assert row is not None and row[1] > 0, "the example recorded no event"
        from adapters.mapper import MsgspecMapper

        position, count = row
        found = []
        async for batch in read_batches(conn, MsgspecMapper(), position - count, position):
            found += batch
        return found


def where_it_shows(recorded) -> str:
    event = recorded.event
    if recorded.type.startswith("conversation."):
        return f"/v1/conversations/{event.conversation_id}/audit-trail?limit=1000"
    if recorded.type.startswith("email."):  # an email's own history shows every change
        if hasattr(event, "email_id"):
            return f"/v1/emails/{event.email_id}"
        return f"/v1/incoming-emails/{recorded.aggregate_id}"
    if recorded.type.startswith("workspace."):
        return "/v1/workspace/history?limit=1000"
    if recorded.type.startswith("contact."):
        return f"/v1/contacts/{event.contact_id}/timeline?limit=100"
    details = getattr(event, "details", None)
    contact = details.contact.id if details else "c_ann"
    return f"/v1/contacts/{contact}/timeline?limit=100"


async def test_every_envelope_type_is_stored_and_shows_in_a_read_model(settings):
    messages, examples = scenario_messages()
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, messages)
        await until(stack.settled, within=60, what="pipeline to settle")
        with psycopg.connect(settings.database_url) as conn:
            rejects = conn.execute("SELECT envelope_id, reason FROM ingest_rejects").fetchall()
        assert rejects == []
        missing = []
        for type_, (workspace, envelope_id) in examples.items():
            async with stack.client(stack.token(workspace)) as api:
                for recorded in await recorded_by(settings.database_url, workspace, envelope_id):
                    response = await api.get(where_it_shows(recorded))
                    positions = {e["position"] for e in response.json().get("entries", [])}
                    if recorded.position not in positions:
                        missing.append((type_, recorded.wire_name, response.status_code))
    assert missing == []
    assert len(examples) == len(COMMANDS)
