"""No query ever returns a row the caller may not see (random workspaces, teams, roles)."""

import asyncio
import os
from datetime import timedelta

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.eventstore import EventStore
from chronicle_tools.workload import Producer
from projections.activity_grid.queries import GridFilter, GridQueries
from projections.audit_trail.queries import AuditTrailQueries
from projections.communication.queries import AnalyticsQueries
from projections.contacts_report.logs import ContactLogQueries
from projections.contacts_report.queries import ContactsReportQueries, ReportFilter
from projections.conversations.queries import ConversationQueries
from projections.engine.runner import ProjectionRunner
from projections.registry import PROJECTIONS, projection
from projections.shared.report_range import resolve
from projections.timeline.queries import TimelineQueries
from services.api.scope import HIDDEN, Scope
from services.api.tokens import Principal
from services.ingest.processor import IngestProcessor
from services.ingest.validation import Incoming
from tests.support.scenario import START

pytestmark = pytest.mark.integration

TEAMS = ["red", "blue", None]
CONTACTS = ["c1", "c2"]
CONVERSATIONS = ["v1", "v2"]


@st.composite
def workspace_data(draw, name):
    """Envelopes for one workspace: contacts, team-owned conversations and activities."""
    p = Producer(name, name)
    out = []
    for minute, contact in enumerate(CONTACTS):
        out.append(
            p.envelope(
                "contact.added",
                {"contact_id": contact, "name": contact.upper(), "source": "user"},
                ("user", "u", "U"),
                START.replace(minute=minute),
                draw(st.sampled_from(TEAMS)),
            )
        )
    if draw(st.booleans()):
        out.append(
            p.envelope(
                "contact.connected",
                {"contact_id": "c1", "channel": "whatsapp", "source": "user"},
                ("user", "u", "U"),
                START.replace(minute=5),
                draw(st.sampled_from(TEAMS)),
            )
        )
    for n, conversation in enumerate(CONVERSATIONS):
        team = draw(st.sampled_from(TEAMS))
        data = {
            "conversation_id": conversation,
            "channel": draw(st.sampled_from(["email", "sms"])),
            "contact_id": draw(st.sampled_from(CONTACTS)),
        }
        out.append(
            p.envelope(
                "conversation.opened", data, ("user", "u", None), START.replace(minute=10 + n), team
            )
        )
        out.append(
            p.envelope(
                "conversation.message_received",
                {"conversation_id": conversation, "message_id": "m", "body": f"secret {name}"},
                ("customer", "x", None),
                START.replace(minute=20 + n),
                team,
            )
        )
        if draw(st.booleans()):
            out.append(
                p.envelope(
                    "conversation.reassigned",
                    {"conversation_id": conversation, "to_team_id": draw(st.sampled_from(TEAMS))},
                    ("user", "u", None),
                    START.replace(minute=30 + n),
                )
            )
        out.append(
            p.envelope(
                "conversation.interaction_closed",
                {"conversation_id": conversation},
                ("system", "s", None),
                START.replace(minute=40 + n),
            )
        )
    for n in range(draw(st.integers(0, 3))):
        out.append(
            p.envelope(
                "activity.logged",
                {
                    "activity_id": f"a{n}",
                    "type": draw(st.sampled_from(["email", "call", "note"])),
                    "summary": f"secret {name}",
                    "contact_id": draw(st.sampled_from(CONTACTS)),
                    "lead_id": "l1",
                    "account_id": "k1",
                },
                ("user", "u", None),
                START.replace(minute=50 + n),
                draw(st.sampled_from(TEAMS)),
            )
        )
    return out


PRINCIPALS = st.builds(
    Principal,
    workspace_id=st.sampled_from(["w0", "w1", "w2"]),
    user_id=st.just("u"),
    role=st.sampled_from(["admin", "manager", "agent", "auditor"]),
    teams=st.lists(st.sampled_from(["red", "blue"]), unique=True).map(tuple),
    email_access=st.booleans(),
)


class Truth:
    """What the store says: which workspace (and team) each position belongs to, and
    which conversations are on the email channel."""

    def __init__(self, database_url: str) -> None:
        with psycopg.connect(database_url) as conn:
            self.events = conn.execute(
                "SELECT notification_id, convert_from(state, 'UTF8')::jsonb #>> "
                "'{meta,workspace_id}', topic, convert_from(state, 'UTF8')::jsonb #>> "
                "'{meta,team_id}' FROM chronicle_events"
            ).fetchall()
            self.email_conversations = set(
                conn.execute(
                    "SELECT s #>> '{meta,workspace_id}', s ->> 'conversation_id' FROM "
                    "(SELECT convert_from(state, 'UTF8')::jsonb AS s FROM chronicle_events "
                    "WHERE topic = 'conversation.opened.v1') o WHERE s ->> 'channel' = 'email'"
                ).fetchall()
            )
        self.workspace = {position: ws for position, ws, _, _ in self.events}

    def email_content(self, ws: str, kind: str, conversation: str | None) -> bool:
        """The email rule, from the store: an email, or anything of an email conversation."""
        return kind == "email" or (ws, conversation) in self.email_conversations

    def visible(self, scope: Scope, topic: str, team: str | None = "any") -> int:
        """How many `topic` events of the caller's workspace it may see (of `team`)."""
        return sum(
            1
            for _, ws, t, owner in self.events
            if ws == scope.workspace_id
            and t == topic
            and scope.may_see_team(owner)
            and (team == "any" or owner == team)
        )


async def project_everything(database_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for name in PROJECTIONS:
            target = projection(name)
            await target.create(conn)
            await ProjectionRunner(target).catch_up(conn)


async def check(database_url: str, caller: Principal, truth: Truth) -> None:
    scope = Scope(caller)
    ws = caller.workspace_id
    hidden = not caller.email_access  # email content must not show, nor be found

    def email(kind: str, conversation: str | None) -> bool:
        return truth.email_content(ws, kind, conversation)

    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        timelines = TimelineQueries(conn, scope)
        for subject_type, ids in (("contact", CONTACTS), ("lead", ["l1"]), ("account", ["k1"])):
            for subject_id, text in ((i, t) for i in ids for t in (None, "secret")):
                page = await timelines.page(
                    subject_type,
                    subject_id,
                    limit=100,
                    cursor=None,
                    types=[],
                    categories=[],
                    text=text,
                    include_deleted=True,
                )
                for e in page.entries if page else []:
                    assert truth.workspace[e.position] == ws
                    assert scope.may_see_team(e.team_id)
                    conversation = e.source.id if e.source.type == "conversation" else None
                    if hidden and email(e.category, conversation):
                        assert text is None  # a search never finds it
                        assert e.summary == HIDDEN and "secret" not in str(e.details)
                    shown = e.summary + str(e.details)
                    assert "secret" not in shown or f"secret {ws}" in shown
        grid = GridQueries(conn, scope)
        for summary in (None, "secret"):
            found, _ = await grid.page(
                GridFilter([], [], [], summary=summary), limit=500, cursor=None, newest_first=True
            )
            for row in found:
                assert truth.workspace[row["position"]] == ws
                assert scope.may_see_team(row["team_id"])
                conversation = (
                    row["activity_id"].split("-")[1] if row["source"] == "interaction" else None
                )
                if hidden and email(row["type"], conversation):
                    assert summary is None  # a search never finds it
                    assert row["summary"] == HIDDEN and row["first_message"] is None
        conversations = ConversationQueries(conn, scope)
        for conversation in CONVERSATIONS:
            summary = await conversations.summary(conversation)
            if summary is None:
                continue
            assert scope.may_see_team(summary["team_id"])
            secret = hidden and email("conversation", conversation)
            trail = await AuditTrailQueries(conn, scope).page(conversation, 1000, None)
            assert all(truth.workspace[e.position] == ws for e in trail.entries)
            assert not secret or {e.summary for e in trail.entries} == {HIDDEN}
            assert "secret" not in str(trail) or f"secret {ws}" in str(trail)
            messages, _ = await conversations.messages(conversation, 500, None)
            body = HIDDEN if secret else f"secret {ws}"
            assert all(m["body"] == body for m in messages)
            found = await conversations.search(conversation, "secret")
            assert len(found) == (0 if secret else len(messages))
        await check_reports(conn, scope, truth)


REPORT_METRICS = {
    "added": "contact.added.v1",
    "connected": "contact.connected.v1",
    "deleted": "contact.deleted.v1",
    "merged": "contact.merged_into.v1",
}


async def check_reports(conn, scope: Scope, truth: Truth) -> None:
    """Reports count exactly the rows the caller may see: its workspace, its teams."""
    around = resolve("UTC", first=START.date() - timedelta(days=1), last=START.date())
    reports, logs = ContactsReportQueries(conn, scope), ContactLogQueries(conn, scope)
    counted = await reports.counts(list(REPORT_METRICS), around, ReportFilter(), None)
    for metric, topic in REPORT_METRICS.items():
        total = sum(r["n"] for r in counted if r["metric"] == metric)
        assert total == truth.visible(scope, topic), metric
        rows, cut = await logs.page(metric, around, ReportFilter(), None)
        assert len(rows) == total and not cut
        for row in rows:
            assert truth.workspace[row["position"]] == scope.workspace_id
            assert scope.may_see_team(row["team_id"])
    by_user = await reports.counts(["added"], around, ReportFilter(users=["u"]), None)
    assert sum(r["n"] for r in by_user) == truth.visible(scope, "contact.added.v1")  # all by u
    analytics = AnalyticsQueries(conn, scope)
    inbound = 0
    for contact in CONTACTS:  # a merged contact's counts are its primary's too
        found = await analytics.contact(contact)
        if found is not None and found["merged_into"] is None:
            found = await analytics.volume("contact", contact, around, "day", [])
            inbound += sum(r["n"] for r in found if r["direction"] == "inbound")
    assert inbound == truth.visible(scope, "conversation.message_received.v1")
    for team in ("red", "blue"):
        if not await analytics.team_visible(team):
            assert not scope.may_see_team(team) or not truth.visible(
                scope, "conversation.opened.v1", team
            )
            continue
        found = await analytics.volume("team", team, around, "day", [])
        messages = sum(r["n"] for r in found if r["direction"] == "inbound")
        assert messages == truth.visible(scope, "conversation.message_received.v1", team)


@pytest.mark.slow
def test_no_query_returns_a_row_the_caller_may_not_see(database_url):
    state = {"n": 0, "callers": 0}

    examples = int(os.environ.get("CHRONICLE_ACCESS_EXAMPLES", "12"))

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        st.tuples(workspace_data("w0"), workspace_data("w1")),
        st.lists(PRINCIPALS, min_size=4, max_size=8),
    )
    def run(data, callers):
        state["n"] += 1
        with psycopg.connect(database_url, autocommit=True) as conn:
            for schema in [f"rm_{name}" for name in PROJECTIONS]:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute("TRUNCATE chronicle_events, ingest_envelopes, ingest_rejects")
        with EventStore(database_url) as store:
            messages = [m for workspace in data for m in workspace]
            outcomes = IngestProcessor(store).process(
                [Incoming(m.subject, m.body) for m in messages]
            )
            assert {o.status for o in outcomes} == {"accepted"}
        asyncio.run(project_everything(database_url))
        truth = Truth(database_url)
        state["callers"] += len(callers)
        for caller in callers:
            asyncio.run(check(database_url, caller, truth))

    with EventStore(database_url):
        pass  # creates the tables the example truncates
    run()
    assert state["n"] >= examples
    print(f"\naccess property: {state['n']} random worlds, {state['callers']} callers checked")
