"""Timeline specs: sent and received emails on the timelines of the contacts they were
matched to."""

import pytest

from domain.incoming_email import IncomingEmail
from domain.outgoing_email import OutgoingEmail
from projections.timeline import Timeline
from projections.timeline.tables import BADGES, ENTRIES
from tests.support.projector_specs import Given, covers, when_applied

pytestmark = pytest.mark.integration


@covers(OutgoingEmail.Sent, IncomingEmail.Received)
async def test_given_emails_sent_and_received_then_they_are_on_the_matched_contacts_timelines(
    database_url,
):
    given = Given().example("email.sent", team="support").example("email.received", ws="ws_b")
    then = await when_applied(database_url, Timeline, given)
    found = then.rows(
        ENTRIES, "workspace_id", "subject_id", "type", "category", "source_type", "team_id",
        where="category = 'email'",
    )  # fmt: skip
    assert found == [
        ("ws_a", "c_ann", "email.sent", "email", "email", "support"),  # the mailbox's team
        ("ws_b", "c_ann", "email.received", "email", "incoming_email", None),
    ]
    assert then.rows(ENTRIES, "source_id", where="type = 'email.sent'") == [("em_1",)]
    assert then.rows(BADGES, "workspace_id", "count", where="subject_id = 'c_ann'") == [
        ("ws_a", 1),
        ("ws_b", 1),
    ]
