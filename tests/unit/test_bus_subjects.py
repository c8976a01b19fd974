"""Subjects are spelt in one place (adapters/bus/subjects.py): built and read back the same."""

import pytest

from adapters import bus

pytestmark = pytest.mark.unit


def test_an_envelope_s_subjects_name_its_workspace_and_type():
    assert bus.ingest_subject("ws_acme", "contact.added") == "audit.ingest.ws_acme.contact.added"
    request = bus.request_subject("ws_acme", "contact.added")
    assert request == "audit.request.ws_acme.contact.added"
    assert bus.ingest_of_request(request) == bus.ingest_subject("ws_acme", "contact.added")
    assert bus.ingest_subject("ws_acme") == "audit.ingest.ws_acme.>"  # every type: a filter


def test_an_ingest_subject_reads_back_as_published_or_as_stored_partitioned():
    named = bus.IngestSubject("ws_acme", "conversation.opened")
    assert bus.parse_ingest_subject(bus.ingest_subject(*named)) == named
    assert bus.parse_ingest_subject("audit.partitioned.3.ws_acme.conversation.opened") == named
    for malformed in ("audit.ingest.ws_acme", "audit.ingest.ws_acme.a.b.c", "audit.events.a.b.c"):
        assert bus.parse_ingest_subject(malformed) is None
    # A malformed subject still belongs to the workspace its producer published for.
    assert bus.subject_workspace_token("audit.ingest.ws_acme.oops") == "ws_acme"
    assert bus.subject_workspace_token("audit.partitioned.0.ws_acme.a") == "ws_acme"
    assert bus.subject_workspace_token("audit.ingest") is None


def test_notices_and_events_subjects():
    assert bus.rejected_subject("ws_acme") == "audit.rejected.ws_acme"
    assert bus.rejected_subject(None) == "audit.rejected._unknown"
    subject = bus.event_subject("contact.added.v1", "ws_acme", "ab" * 16)
    assert subject == f"audit.events.contact.added.ws_acme.{'ab' * 16}"
    assert bus.workspace_events("ws_acme") == "audit.events.*.*.ws_acme.>"
    assert all(
        s.startswith("audit.") and s.endswith(".>")
        for s in (
            bus.INGEST_SUBJECTS,
            bus.REQUEST_SUBJECTS,
            bus.EVENTS_SUBJECTS,
            bus.REJECTED_SUBJECTS,
        )
    )
