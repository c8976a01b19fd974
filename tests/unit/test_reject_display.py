"""What a reject shows of the message it kept (`chronicle rejects show`, GET
/v1/audit/rejects/{id}): the producer's input and headers, not Chronicle's own seal on the
reply inbox (`Chronicle-Reply-MAC`, added by the request gateway)."""

import pytest

from adapters.bus.auth import REPLY_HEADER
from services.operate.rejects import with_input

pytestmark = pytest.mark.unit


def test_a_shown_reject_keeps_the_producers_headers_and_drops_chronicles_seal():
    row = {
        "payload": b'{"id": "x"}',
        "headers": {REPLY_HEADER: "c2VhbA", "Chronicle-Reply-To": "_INBOX.a", "X-Trace": "t"},
    }
    shown = with_input(row)
    assert shown["headers"] == {"Chronicle-Reply-To": "_INBOX.a", "X-Trace": "t"}
    assert (shown["payload"], shown["payload_encoding"]) == ('{"id": "x"}', "utf-8")
    assert with_input({"payload": b"{}", "headers": {REPLY_HEADER: "c2VhbA"}})["headers"] is None
    assert with_input({"payload": b"{}", "headers": None})["headers"] is None
