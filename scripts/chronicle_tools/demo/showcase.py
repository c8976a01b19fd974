"""What the demo prints: a timeline, an audit trail, and what happened to bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import msgspec
import psycopg

from adapters import bus
from chronicle_tools.workload import Published


def bad_messages(workspace: str, run: str) -> list[Published]:
    """One of each documented outcome for bad input."""
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    def body(eid: str, type_: str, data: dict, ws: str = workspace) -> bytes:
        return msgspec.json.encode(
            {
                "id": eid,
                "type": type_,
                "workspace_id": ws,
                "occurred_at": at,
                "actor": {"type": "user", "id": "u_17"},
                "data": data,
            }
        )

    subject = partial(bus.ingest_subject, workspace)  # subject("contact.added")
    repeat = body(
        f"{run}-000001",
        "contact.added",
        {"contact_id": "c_ann", "name": "Ann Lee", "source": "user"},
    )
    return [
        Published(subject("conversation.opened"), b'{"id": "broken', f"{run}-bad-json"),
        Published(
            subject("conversation.resolved"),
            body(f"{run}-mismatch", "conversation.reopened", {"conversation_id": "x"}),
            f"{run}-mismatch",
        ),
        # Reopening a conversation that is open breaks a rule; the message is kept.
        Published(
            subject("conversation.opened"),
            body(
                f"{run}-open",
                "conversation.opened",
                {"conversation_id": "conv_rules", "channel": "email"},
            ),
            f"{run}-open",
        ),
        Published(
            subject("conversation.reopened"),
            body(f"{run}-rule", "conversation.reopened", {"conversation_id": "conv_rules"}),
            f"{run}-rule",
        ),
        # The first envelope again, twice: with Nats-Msg-Id, JetStream's duplicate window
        # drops it; without, it reaches ingest and Chronicle's durable ledger drops it.
        Published(subject("contact.added"), repeat, f"{run}-000001"),
        Published(subject("contact.added"), repeat, None),
    ]


def _when(value: str) -> str:
    """A time as the API gives it, with its zone (the workspace's days are cut in it)."""
    moment = datetime.fromisoformat(value)
    return moment.strftime("%Y-%m-%d %H:%M ") + (moment.tzname() or "UTC")


def _who(actor: dict) -> str:
    return f"{actor.get('name') or actor['id']} ({actor['type']})"


def show(api: str, token: str, database_url: str, workspace: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    timeline = httpx.get(
        f"{api}/v1/contacts/c_ann/timeline", params={"limit": 10}, headers=headers
    ).json()
    print(f"\nTimeline of contact c_ann in workspace {workspace} (newest first, page 1)")
    for e in timeline["entries"]:
        print(f"  {_when(e['occurred_at'])}  {e['type']:<31} {_who(e['actor']):<26} {e['summary']}")
    conversations = [
        e["source"]["id"] for e in timeline["entries"] if e["source"]["type"] == "conversation"
    ]
    if not conversations:
        raise SystemExit("the demo contact's timeline shows no conversation")
    conv = conversations[-1]
    response = httpx.get(f"{api}/v1/conversations/{conv}/audit-trail", headers=headers)
    response.raise_for_status()
    trail = response.json()
    print(f"\nAudit trail of conversation {conv} (oldest first)")
    for e in trail["entries"]:
        print(
            f"  v{e['version']:<3} {_when(e['occurred_at'])}  {e['type']:<31} "
            f"{_who(e['actor']):<26} {e['summary']}"
        )
    with psycopg.connect(database_url) as conn:
        rejects = conn.execute(
            "SELECT envelope_id, reason FROM ingest_rejects WHERE workspace_id = %s ORDER BY id",
            (workspace,),
        ).fetchall()
        accepted, repeated, repeats = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE repeats > 0), coalesce(sum(repeats), 0) "
            "FROM ingest_envelopes "
            "WHERE workspace_id = %s",
            (workspace,),
        ).fetchone()
    print(
        f"\nIngest: {accepted} envelopes accepted, {len(rejects)} rejected and kept; "
        f"{repeats} repeats of {repeated} envelopes recorded once by Chronicle's ledger"
    )
    for envelope_id, reason in rejects:
        text = "; ".join(f"{r['field']}: {r['problem']}" for r in reason)
        print(f"  rejected {envelope_id or '(no id)'}: {text}")
