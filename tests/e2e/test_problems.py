"""Every error the API answers is one shape, RFC 9457 problem details, whatever raised
it: a missing token, an unknown record, a parameter FastAPI refused, a forged cursor, an
unknown path; each names what was wrong and quotes the request id of the access log."""

from __future__ import annotations

import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.e2e


async def test_every_error_is_a_problem_naming_what_was_wrong(settings):
    async with Stack(settings) as stack:
        token, agent_token = stack.token("ws_problems"), stack.token("ws_problems", role="agent")
        async with (
            stack.client(token) as api,
            stack.client(None) as anonymous,
            stack.client(agent_token) as agent,
        ):
            answers = {
                "no token": await anonymous.get("/v1/activities"),
                "unknown record": await api.get("/v1/conversations/nope/audit-trail"),
                "refused parameter": await api.get("/v1/activities", params={"limit": "many"}),
                "forged cursor": await api.get("/v1/activities", params={"cursor": "xyz"}),
                "unknown path": await api.get("/v1/nothing-here"),
                "not an auditor": await agent.get("/v1/audit/events"),
            }
    for name, answer in answers.items():
        assert answer.headers["content-type"] == "application/problem+json", name
        body = answer.json()
        assert body["status"] == answer.status_code, name
        assert body["title"] and isinstance(body["detail"], str) and body["detail"], name
        assert body["type"].startswith(("about:blank", "urn:chronicle:problem:")), name
        assert body["request_id"] == answer.headers["x-request-id"], name
    statuses = {name: a.status_code for name, a in answers.items()}
    assert statuses == {
        "no token": 401,
        "unknown record": 404,
        "refused parameter": 422,
        "forged cursor": 400,
        "unknown path": 404,
        "not an auditor": 403,
    }
    refused = answers["refused parameter"].json()
    assert refused["errors"] == [
        {"in": "query", "field": "limit", "problem": refused["errors"][0]["problem"]}
    ]
    assert "limit" in refused["detail"] and refused["type"].endswith("invalid-request")
    assert answers["unknown record"].json()["instance"] == "/v1/conversations/nope/audit-trail"
