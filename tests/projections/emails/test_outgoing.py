"""Emails specs: an outgoing email's row, its history, and the contacts it concerns."""

import pytest

from domain.outgoing_email import OutgoingEmail
from projections.emails import Emails
from projections.emails.tables import CONTACT_EMAILS, HISTORY, OUTGOING
from tests.support.projector_specs import Given, covers, when_applied

pytestmark = pytest.mark.integration


@covers(OutgoingEmail.Event)
async def test_given_an_email_sent_then_its_row_history_and_contacts_say_so(database_url):
    given = Given().example("email.sent").example("email.failed", ws="ws_b")
    then = await when_applied(database_url, Emails, given)
    assert then.rows(OUTGOING, "workspace_id", "email_id", "status", "attempts", "error") == [
        ("ws_a", "em_1", "sent", 1, None),
        ("ws_b", "em_2", "failed", 1, "550 5.1.1 <ann@example.com>: Recipient address rejected"),
    ]
    assert then.rows(HISTORY, "type", "status", where="workspace_id = 'ws_a'") == [
        ("email.drafted", "draft"),
        ("email.queued", "queued"),
        ("email.sending_started", "queued"),
        ("email.sent", "sent"),
    ]
    assert then.rows(
        CONTACT_EMAILS, "workspace_id", "contact_id", "direction", "email_key", "team_id"
    ) == [
        ("ws_a", "c_ann", "outbound", "em_1", "support"),  # the mailbox's team
        ("ws_b", "c_ann", "outbound", "em_2", "support"),
    ]
    [(search,)] = then.rows(CONTACT_EMAILS, "search_text", where="workspace_id = 'ws_a'")
    assert search.startswith("your refund hi ann, the duplicate charge is refunded")  # no HTML
