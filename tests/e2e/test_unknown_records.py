"""Every record endpoint of the OpenAPI document answers 404 for an id the caller's
workspace does not know: an id nobody used, and an id that is real in another workspace.

The endpoints are read from the document itself, so a new record endpoint without an
entry in `REAL_IDS` fails this test until someone says which real record it shows."""

from __future__ import annotations

import re

import psycopg
import pytest

from adapters.mail.mailboxes import Mailbox, save
from services.api.app import create_app
from tests.support.bus import publish_all
from tests.support.scenario import DANA, START, read_side_scenario
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e

# Path parameters that select a record, and a real one in ws_read's scenario. Paths not
# listed take no record id (lists, reports) or choose among fixed values (`log`).
REAL_IDS: dict[str, dict[str, str]] = {
    "/v1/accounts/{subject_id}/timeline": {"subject_id": "acc_1"},
    "/v1/accounts/{subject_id}/timeline/live": {"subject_id": "acc_1"},
    "/v1/analytics/contacts/{contact_id}": {"contact_id": "c_ann"},
    "/v1/analytics/teams/{team_id}": {"team_id": "support"},
    "/v1/audit/{kind}/{id}/events": {"kind": "conversation", "id": "conv_s"},
    "/v1/audit/{kind}/{id}/state": {"kind": "contact", "id": "c_ann"},
    "/v1/audit/rejects/{reject_id}": {"reject_id": "<reject>"},  # found at run time
    "/v1/contacts/{contact_id}/emails": {"contact_id": "c_ann"},
    "/v1/contacts/{subject_id}/timeline": {"subject_id": "c_ann"},
    "/v1/contacts/{subject_id}/timeline/live": {"subject_id": "c_ann"},
    "/v1/conversations/{conversation_id}/audit-trail": {"conversation_id": "conv_s"},
    "/v1/conversations/{conversation_id}/audit-trail/live": {"conversation_id": "conv_s"},
    "/v1/conversations/{conversation_id}/messages": {"conversation_id": "conv_s"},
    "/v1/conversations/{conversation_id}/views": {"conversation_id": "conv_s"},
    "/v1/emails/{email_id}": {"email_id": "em_404"},
    "/v1/incoming-emails/{email_id}": {"email_id": "<incoming>"},  # found at run time
    "/v1/leads/{subject_id}/timeline": {"subject_id": "l_1"},
    "/v1/leads/{subject_id}/timeline/live": {"subject_id": "l_1"},
    "/v1/mailboxes/{mailbox_id}/outgoing": {"mailbox_id": "mb_dana"},
    "/v1/mailboxes/{mailbox_id}": {"mailbox_id": "mb_dana"},  # connected below
}
UNKNOWN = {"reject_id": "987654"}  # ids that are numbers
NOT_RECORDS = {"log"}  # a path parameter naming one of the report's fixed logs


def record_paths(settings) -> list[str]:
    document = create_app(settings).openapi()
    found = []
    for path, operations in document["paths"].items():
        if "get" not in operations:
            continue
        params = set(re.findall(r"{(\w+)}", path))
        if params - NOT_RECORDS:
            found.append(path)
    return sorted(found)


def workload() -> list:
    from chronicle_tools.workload import Producer

    steps = read_side_scenario("ws_read")
    p = Producer("ws_read", "records")
    draft = {
        "mailbox_id": "mb_dana",
        "owner_user_id": "u_17",
        "team_id": "support",
        "from_address": "dana@acme.test",
        "recipients": [{"address": "ann@example.com", "name": "Ann Lee"}],
        "subject": "Your invoice",
        "content": "<p>Fixed.</p>",
        "link_type": "contact",
        "link_id": "c_ann",
    }
    steps.append(p.envelope("email.drafted", {"email_id": "em_404", **draft}, DANA, START))
    steps.append(p.envelope("email.queued", {"email_id": "em_nobody"}, DANA, START))  # rejected
    return steps


async def get(client, path: str):
    """The status of a GET; a live feed is closed as soon as its status is known."""
    async with client.stream("GET", path) as response:
        return response.status_code


async def test_every_record_endpoint_answers_404_for_ids_unknown_in_the_callers_workspace(
    settings,
):
    paths = record_paths(settings)
    assert set(paths) == set(REAL_IDS), "say which real record each record endpoint shows"
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, workload())
        await until(stack.settled, what="pipeline to settle")
        owner, stranger = stack.token("ws_read"), stack.token("ws_empty")
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            save(conn, Mailbox("ws_read", "mb_dana", "dana@acme.test", maildir="/nonexistent"))
        async with stack.client(owner) as api, stack.client(stranger) as other:
            senders = (await api.get("/v1/unknown-senders")).json()["senders"]
            real_ids = dict(REAL_IDS)
            real_ids["/v1/incoming-emails/{email_id}"] = {"email_id": senders[0]["last_email"]}
            rejects = (await api.get("/v1/audit/rejects")).json()["rejects"]
            real_ids["/v1/audit/rejects/{reject_id}"] = {"reject_id": str(rejects[0]["id"])}
            answers = {}
            for path in paths:
                real = path.format(**real_ids[path])
                unknown = path.format(
                    **{
                        k: v if k == "kind" else UNKNOWN.get(k, "nobody_404")
                        for k, v in real_ids[path].items()
                    }
                )
                answers[path] = (
                    await get(api, real),
                    await get(api, unknown),
                    await get(other, real),
                )
    wrong = {path: seen for path, seen in answers.items() if seen != (200, 404, 404)}
    assert not wrong, f"(real, unknown id, another workspace's id) answered: {wrong}"
