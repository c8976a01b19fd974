"""From a producer's message on the bus to what a report consumer reads over HTTP."""

import pytest

from chronicle_tools.demo import showcase
from chronicle_tools.workload import demo_workload
from tests.support.bus import publish_all
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


async def test_published_envelopes_become_a_timeline_and_an_audit_trail(settings):
    async with Stack(settings) as stack:
        messages = demo_workload(11, "ws_e2e", "x")
        await publish_all(settings.nats_url, messages)
        await until(stack.settled, what="pipeline to settle")
        async with stack.client(stack.token("ws_e2e")) as api:
            pages = [(await api.get("/v1/contacts/c_ann/timeline")).json()]
            while pages[-1]["next_cursor"]:
                cursor = pages[-1]["next_cursor"]
                pages.append(
                    (await api.get("/v1/contacts/c_ann/timeline", params={"cursor": cursor})).json()
                )
            conversation = pages[0]["entries"][0]["source"]["id"]
            trail = (await api.get(f"/v1/conversations/{conversation}/audit-trail")).json()
    entries = [e for page in pages for e in page["entries"]]
    assert len(pages) > 1 and len(pages[0]["entries"]) == 10  # ten a page by default
    times = [e["occurred_at"] for e in entries]
    assert times == sorted(times, reverse=True)  # newest first, across pages
    assert len({e["position"] for e in entries}) == len(entries)
    assert entries[-1]["type"] == "contact.added"  # the history starts where the contact did
    assert [e["version"] for e in trail["entries"]] == list(range(1, len(trail["entries"]) + 1))
    assert trail["entries"][0]["type"] == "conversation.opened"
    assert trail["entries"][0]["actor"] == {"type": "customer", "id": "c_ann", "name": "Ann Lee"}


async def test_bad_input_gets_its_documented_outcome_and_nothing_leaks(settings):
    async with Stack(settings) as stack:
        good = demo_workload(12, "ws_a", "a")
        bad = showcase.bad_messages("ws_a", "a")
        acks = await publish_all(settings.nats_url, good + bad)
        await publish_all(settings.nats_url, demo_workload(13, "ws_b", "b"))
        await until(stack.settled, what="pipeline to settle")
        async with stack.client(stack.token("ws_b")) as other, stack.client(None) as anonymous:
            leaked = await other.get("/v1/contacts/c_ann/timeline")  # c_ann exists in both
            foreign = await other.get("/v1/conversations/conv_1200/audit-trail")
            nobody = await anonymous.get("/v1/contacts/c_ann/timeline")
        import psycopg

        with psycopg.connect(settings.database_url) as conn:
            rejects = dict(
                conn.execute(
                    "SELECT coalesce(envelope_id, 'no id'), reason FROM ingest_rejects"
                ).fetchall()
            )
            repeats = conn.execute(
                "SELECT envelope_id, repeats FROM ingest_envelopes WHERE repeats > 0"
            ).fetchall()
            ws_a_positions = {
                p
                for (p,) in conn.execute(
                    "SELECT notification_id FROM chronicle_events "
                    "WHERE convert_from(state, 'UTF8')::jsonb #>> '{meta,workspace_id}' = 'ws_a'"
                )
            }
    assert {r["field"] for r in rejects["no id"]} == {"body"}
    assert {r["field"] for r in rejects["a-mismatch"]} == {"type"}
    assert rejects["a-rule"][0]["rule"] == "conversation.reopen_requires_resolved"
    assert not any(ack.duplicate for ack in acks)  # no broker window: the ledger judges
    assert repeats == [("a-000001", 2)]  # both repeats, with and without Nats-Msg-Id
    seen_by_ws_b = {e["position"] for e in leaked.json()["entries"]}
    assert seen_by_ws_b and ws_a_positions
    assert not seen_by_ws_b & ws_a_positions
    assert foreign.status_code == 404
    assert nobody.status_code == 401


async def test_the_projector_host_killed_mid_stream_converges_to_the_rebuilt_read_models(settings):
    import asyncio

    from tests.support.processes import ServiceProcess
    from tests.support.readmodels import assert_live_equals_rebuilt

    async with Stack(settings) as stack:
        await stack.projectors.stop()  # the read models now run in a process we can kill
        victim = ServiceProcess(stack.settings, "projectors").start()
        for round_ in range(3):
            await publish_all(settings.nats_url, demo_workload(20 + round_, "ws_k", f"r{round_}"))
            await asyncio.to_thread(victim.kill)
            victim = ServiceProcess(stack.settings, "projectors").start()
        try:
            await until(stack.settled, within=60, what="pipeline to settle")
        finally:
            victim.stop()
    await assert_live_equals_rebuilt(settings.database_url)  # every read model, not one
