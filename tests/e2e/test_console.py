"""The web console in a real browser (Debian's chromium through Selenium): events published
on the bus show on each screen as the API returns them, live updates arrive without a
reload, another workspace's data never shows, and each screen passes axe-core's WCAG 2.1
A/AA checks. Screenshots go to CHRONICLE_CONSOLE_SCREENSHOTS when set (docs/console)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from chronicle_tools.workload import Producer
from tests.support.browser import AsyncBrowser, Browser, screenshot_folder
from tests.support.bus import publish_all
from tests.support.console_scenario import SECRET, WS, console_scenario
from tests.support.report_scenario import report_scenario
from tests.support.scenario import DANA
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
LAPTOP, PHONE = (1280, 900), (390, 844)
LIVE = "return /Live/.test(document.getElementById('live').textContent)"
GRID_COLUMNS = "Type,Contact,Lead,Account,Summary,Direction,Agent,Source,First message,Created"


@pytest.fixture(scope="module")
def chromium():
    browser = Browser(*LAPTOP)
    yield browser
    browser.close()


@pytest.fixture
def browser(chromium) -> AsyncBrowser:
    chromium.driver.delete_all_cookies()
    chromium.size(*LAPTOP)
    return AsyncBrowser(chromium)


@pytest.fixture
def shots(tmp_path_factory):
    return screenshot_folder(tmp_path_factory.mktemp("console"))


async def running(settings, messages) -> Stack:
    stack = Stack(settings)
    await stack.__aenter__()
    await publish_all(settings.nats_url, messages)
    await until(stack.settled, what="the pipeline to settle")
    return stack


@pytest.fixture
async def console(settings, browser):
    """The stack with the console scenario, an admin's API client, the browser signed in."""
    stack = await running(settings, console_scenario())
    try:
        token = stack.token(WS)
        async with stack.client(token) as api:
            await sign_in(browser, stack, token)
            yield stack, api
    finally:
        await stack.__aexit__(None, None, None)


async def sign_in(browser: AsyncBrowser, stack: Stack, token: str, then: str = "/console/"):
    await browser.open(f"{stack.url}/console/sign-in?{urlencode({'next': then})}")
    await submit_token(browser, token)
    await browser.until(lambda d: "/sign-in" not in d.current_url, "the signed-in page")


async def submit_token(browser: AsyncBrowser, token: str) -> None:
    await browser.one("#token")
    await browser.run("document.getElementById('token').value = arguments[0]", token)
    await browser.click(".sign-in button[type=submit]")


async def sign_out(browser: AsyncBrowser) -> None:
    await browser.click(".sign-out button")
    await browser.until(lambda d: "/sign-in" in d.current_url, "the sign-in page")


async def checked(browser: AsyncBrowser, shots, screen: str) -> None:
    """Every screen: no WCAG violation, no script error, nothing of another workspace; a
    screenshot."""
    violations = await browser.accessibility_violations()
    assert violations == [], f"{screen}: {violations}"
    assert await browser.script_errors() == [], screen
    assert SECRET not in await browser.page_text()
    await browser.screenshot(shots, screen)


def producer(run: str) -> Producer:
    """Envelope ids are per producer run: each live step publishes under a run of its own."""
    return Producer(WS, f"console-live-{run}")


async def publish(stack: Stack, run: str, type_: str, data: dict, team: str | None = None):
    envelope = producer(run).envelope(type_, data, DANA, datetime.now(UTC), team)
    await publish_all(stack.settings.nats_url, [envelope])


def exact(iso: str) -> str:
    """How the console shows an exact time of a workspace in UTC: to the millisecond."""
    moment = datetime.fromisoformat(iso)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d} UTC"


def positions(page: dict) -> list[str]:
    return [str(e["position"]) for e in page["entries"]]


def activity_ids(page: dict) -> list[str]:
    return [a["activity_id"] for a in page["activities"]]


async def test_a_timeline_pages_newest_first_filters_and_takes_live_entries(
    console, browser, shots
):
    stack, api = console
    url = f"{stack.url}/console/contacts/c_ann/timeline"
    first = (await api.get("/v1/contacts/c_ann/timeline")).json()
    badges = (await api.post("/v1/timeline/badges", json={"contacts": ["c_ann"]})).json()
    # the home page opens a record by its id
    await browser.until_text("#workspace-facts", "UTC", "the workspace's zone")
    await checked(browser, shots, "home")
    await browser.run("document.getElementById('record-id').value = 'c_ann'")
    await browser.click(".open button")
    await browser.until(lambda d: d.current_url == url, "the contact's timeline")
    await browser.until_count("#entries li", "the first page")
    await browser.until_js(LIVE, "the live feed")
    # the first page: newest first, the API's 10 entries, the badge's count
    assert await browser.attributes("#entries li", "data-position") == positions(first)
    assert len(positions(first)) == 10
    assert await browser.text("#badge") == f"{badges['contacts']['c_ann']} Activities"
    await checked(browser, shots, "timeline")
    # a call logged now shows on top, without a reload
    await browser.run("window.notReloaded = true")
    call = {"activity_id": "a_live", "type": "call", "source": "manual", "contact_id": "c_ann"}
    await publish(stack, "timeline", "activity.logged", {**call, "summary": "Live call"})
    await browser.until_text("#entries li", "Live call", "the live entry")
    assert await browser.run("return window.notReloaded") is True
    await browser.until_text("#badge", f"{badges['contacts']['c_ann'] + 1} Activities", "badge")
    await browser.screenshot(shots, "timeline-live")
    # the older page is the API's second page
    now = (await api.get("/v1/contacts/c_ann/timeline")).json()
    older = {"cursor": now["next_cursor"]}
    second = (await api.get("/v1/contacts/c_ann/timeline", params=older)).json()
    await browser.open(url)
    await browser.until_count("#entries li", "the first page again")
    await browser.click("#older")
    await browser.until_text("#page-number", "Page 2", "page 2")
    assert await browser.attributes("#entries li", "data-position") == positions(second)
    await browser.click("#newer")
    await browser.until_text("#page-number", "Page 1", "page 1")
    assert await browser.attributes("#entries li", "data-position") == positions(now)
    # the type filter and the search are the API's
    for params in ({"category": "call"}, {"q": "invoice"}):
        expected = (await api.get("/v1/contacts/c_ann/timeline", params=params)).json()
        await browser.open(f"{url}?{urlencode(params)}")
        await browser.until_js(LIVE, f"the timeline with {params}")
        await browser.until_count("#entries li", f"entries of {params}")
        assert await browser.attributes("#entries li", "data-position") == positions(expected)
    assert set(await browser.texts("#entries .chip")) <= {"call", "interaction", "conversation"}


async def test_the_activity_grid_filters_pages_sorts_exports_and_takes_live_rows(
    console, browser, shots
):
    stack, api = console
    url = f"{stack.url}/console/activities"

    async def shown(query: str) -> list[str]:
        await browser.open(f"{url}?{query}")
        await browser.until_js(LIVE, f"the grid with {query}")
        await browser.until(lambda d: d.find_element("id", "state").text != "Loading…", "rows")
        return await browser.attributes("#rows tr", "data-activity")

    first = (await api.get("/v1/activities", params={"limit": 10})).json()
    assert await shown("limit=10") == activity_ids(first)
    assert ",".join(await browser.texts("#grid thead th")) == GRID_COLUMNS + " ▼"
    await checked(browser, shots, "activities")
    # keyset paging: the next page is the API's next page
    await browser.click("#next")
    await browser.until_text("#page-number", "Page 2", "page 2")
    after = {"limit": 10, "cursor": first["next_cursor"]}
    second = (await api.get("/v1/activities", params=after)).json()
    assert await browser.attributes("#rows tr", "data-activity") == activity_ids(second)
    # each of the seed's filters means what the API means by it
    for params in [
        {"type": "call"},
        {"agent": "u_21"},
        {"contact": "bo"},
        {"source": "campaign"},
        {"lead": "lead"},
        {"account": "acme"},
        {"direction": "outbound"},
        {"summary": "note 1"},
        {"order": "oldest"},
    ]:
        expected = (await api.get("/v1/activities", params={"limit": 25, **params})).json()
        assert activity_ids(expected), f"{params} should match something"
        assert await shown(urlencode(params)) == activity_ids(expected), params
    day = first["activities"][0]["created_at"][:10]
    expected = (await api.get("/v1/activities", params={"from": f"{day}T00:00:00Z"})).json()
    assert await shown(f"from_day={day}&to_day={day}") == activity_ids(expected)[:25]
    # sort: the Created header flips the order
    await shown("")
    await browser.click("#sort")
    await browser.until(lambda d: "order=oldest" in d.current_url, "the oldest-first grid")
    await browser.until_count("#rows tr", "rows")
    oldest = (await api.get("/v1/activities", params={"order": "oldest", "limit": 25})).json()
    assert await browser.attributes("#rows tr", "data-activity") == activity_ids(oldest)
    # CSV export: every matching row, all pages, the seed's columns
    await shown("type=note&limit=10")
    await browser.run(
        "window.blobs = []; const make = URL.createObjectURL;"
        "URL.createObjectURL = (b) => { window.blobs.push(b); return make(b); };"
    )
    await browser.click("#export")
    await browser.until_js("return window.blobs.length === 1", "the CSV")
    csv = await browser.run_async("window.blobs[0].text().then(arguments[0])")
    lines = csv.strip().split("\r\n")
    notes = (await api.get("/v1/activities", params={"type": "note", "limit": 500})).json()
    assert lines[0].startswith(GRID_COLUMNS)
    assert len(lines) == 1 + len(notes["activities"]) == 1 + 12
    # a new activity arrives on top of the first page
    await shown("")
    meeting = {"activity_id": "a_grid_live", "type": "meeting", "source": "external"}
    data = {**meeting, "contact_id": "c_bo", "summary": "Live meeting"}
    await publish(stack, "grid", "activity.logged", data)
    await browser.until_js(
        "return document.querySelector('#rows tr').dataset.activity === 'a_grid_live'", "the row"
    )
    assert SECRET not in await browser.page_text()


async def test_the_message_viewer_walks_highlighted_matches_and_the_trail_shows_each_event(
    console, browser, shots
):
    stack, api = console
    viewer = f"{stack.url}/console/conversations/conv_s/messages"
    found = (await api.get("/v1/conversations/conv_s/messages", params={"q": "invoice"})).json()
    await browser.open(f"{viewer}?q=invoice")
    await browser.until_count("#messages li.bubble", "the messages")
    directions = await browser.attributes("#messages > li", "class")
    assert directions == [f"bubble {m['direction']}" for m in found["messages"]]
    assert [m.lower() for m in await browser.texts("#messages mark")] == ["invoice"] * len(
        found["matches"]
    )
    assert len(found["matches"]) >= 3

    async def current() -> tuple[str, str]:
        return await browser.text("#match-count"), await browser.run(
            "return document.querySelector('mark.current').closest('li').dataset.message"
        )

    matches = [m["message_id"] for m in found["matches"]]
    count = len(matches)
    assert await current() == (f"1 of {count}", matches[0])
    await browser.click("#next")
    assert await current() == (f"2 of {count}", matches[1])
    await browser.click("#previous")
    await browser.click("#previous")  # from the first, previous wraps to the last
    assert await current() == (f"{count} of {count}", matches[-1])
    toolbar = await browser.text("#toolbar")
    assert "support" in toolbar and "email" in toolbar
    views = await browser.text("#m-m2 .views")
    assert "Viewed by c_ann (customer)" in views and ".250" in views  # the exact time
    await checked(browser, shots, "messages")
    # the audit trail: every event, oldest first, exact times, viewed indicators
    trail = (await api.get("/v1/conversations/conv_s/audit-trail")).json()
    await browser.open(f"{stack.url}/console/conversations/conv_s/trail")
    await browser.until_count("#rows tr", "the trail")
    await browser.until_js(LIVE, "the live trail")
    assert await browser.attributes("#rows tr", "data-type") == [
        e["type"] for e in trail["entries"]
    ]
    times = await browser.texts("#rows td:nth-child(2) time")
    assert times == [exact(e["occurred_at"]) for e in trail["entries"]]
    assert "c_ann" in await browser.text("#view-rows")
    await checked(browser, shots, "trail")
    moved = {"conversation_id": "conv_s", "to_agent_id": "u_21", "to_team_id": "support"}
    await publish(stack, "trail", "conversation.reassigned", moved, "support")
    await browser.until_js(
        "return document.querySelector('#rows tr:last-child').dataset.type"
        " === 'conversation.reassigned'",
        "the live reassignment",
    )
    assert "agent_id: — → u_21" in await browser.text("#rows tr:last-child .changes")
    await browser.run("document.querySelector('#rows tr:last-child').scrollIntoView()")
    await browser.screenshot(shots, "trail-live")


async def test_the_email_history_shows_statuses_and_each_emails_history(console, browser, shots):
    stack, api = console
    history = (await api.get("/v1/contacts/c_dee/emails")).json()
    await browser.open(f"{stack.url}/console/contacts/c_dee/emails")
    await browser.until_count("#rows tr", "the email history")
    statuses = await browser.attributes("#rows tr", "data-status")
    assert statuses == [e["status"] for e in history["emails"]] == ["received", "sent"]
    await checked(browser, shots, "emails")
    await browser.click("#rows tr:last-child a")
    await browser.until(lambda d: d.current_url.endswith("/console/emails/em_1"), "the email")
    await browser.until_count("#rows tr", "the sent email's history")
    sent = (await api.get("/v1/emails/em_1")).json()
    assert await browser.texts("#rows td:nth-child(2)") == [e["type"] for e in sent["entries"]]
    assert await browser.text("#email-status") == "sent"
    await checked(browser, shots, "email")
    await browser.back()
    await browser.until(lambda d: d.current_url.endswith("/c_dee/emails"), "the history again")
    await browser.until_count("#rows tr", "the email history's rows")
    await browser.click("#rows tr:first-child a")
    await browser.until(lambda d: "/console/incoming-emails/" in d.current_url, "the received")
    await browser.until_count("#facts dt", "the received email")
    facts = await browser.text("#facts")
    assert "Dee Park <dee@example.com>" in facts and "c_dee" in facts and "Thanks!" in facts


async def test_the_contacts_report_shows_the_apis_numbers_states_logs_and_zone(
    settings, browser, shots
):
    stack = await running(settings, report_scenario("ws_rep"))
    try:
        token = stack.token("ws_rep")
        async with stack.client(token) as api:
            await sign_in(browser, stack, token)
            await contacts_report(stack, api, browser, shots)
    finally:
        await stack.__aexit__(None, None, None)


async def contacts_report(stack: Stack, api, browser: AsyncBrowser, shots) -> None:
    url = f"{stack.url}/console/reports/contacts"
    params = {"preset": "custom", "from": "2026-10-31", "to": "2026-11-03"}
    report = (await api.get("/v1/reports/contacts", params=params)).json()
    added = (await api.get("/v1/reports/contacts/logs/added", params=params)).json()

    async def show(query: dict) -> None:
        await browser.open(f"{url}?{urlencode(query)}")
        await browser.until_js(
            "const kind = document.getElementById('log-state').dataset.kind;"
            "return kind && kind !== 'loading'",
            "the log",
        )
        await browser.until_js("return document.getElementById('range').textContent", "range")

    await show(params)
    for key in ("contacts_added", "contacts_deleted", "contacts_merged"):
        assert await browser.text(f"#tile-{key} .value") == str(report["charts"][key]["total"])
    assert await browser.text("#range") == "2026-10-31 to 2026-11-03 · days in America/New_York"
    assert await browser.count("canvas") == 6
    shares = report["charts"]["added_by_source"]["shares"]
    shown = await browser.texts("#arc-added_by_source details td")
    assert [float(s.rstrip("%")) for s in shown if s.endswith("%")] == [
        s["percent"] for s in shares
    ]
    assert await browser.texts("#log-rows td:nth-child(2)") == [
        r["contact_id"] for r in added["rows"]
    ]
    channels = await browser.texts("#channel option:disabled")
    assert channels == ["WhatsApp +1 555 0100 (deleted)"]  # listed, not selectable
    await checked(browser, shots, "report")
    # the merged log, by keyboard (arrow keys move between the tabs), and its export
    merged = (await api.get("/v1/reports/contacts/logs/merged", params=params)).json()
    await browser.click("#tab-added")
    await browser.run(
        "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowLeft'}))"
    )
    await browser.until_js(
        "return document.querySelector('#log-head th:nth-child(4)')?.textContent"
        " === 'Merged contact ID' && document.querySelectorAll('#log-rows tr').length > 0",
        "the merged log",
    )
    assert await browser.attribute("#tab-merged", "aria-selected") == "true"
    await browser.run("document.getElementById('logs-h').scrollIntoView()")
    await browser.screenshot(shots, "report-logs")
    assert await browser.texts("#log-rows td:nth-child(4)") == [
        r["merged_contact_id"] for r in merged["rows"]
    ]
    export = await browser.attribute("#export", "href")
    assert export.endswith(merged["export"])
    csv = await browser.run_async(
        "fetch(arguments[0]).then(r => r.text()).then(arguments[1])", export
    )
    assert len(csv.strip().splitlines()) == 1 + merged["total"]
    # a log cut at its row cap says so (the cap is 10,000; `limit` makes it smaller)
    await show({**params, "limit": 2})
    assert await browser.attribute("#log-state", "data-kind") == "warn"
    shown_of = f"Showing the newest 2 of {added['total']} rows (a log shows at most 2)"
    assert (await browser.text("#log-state")).startswith(shown_of)
    assert await browser.count("#log-rows tr") == 2 < added["total"]
    # a channel filter does not apply to contacts added; a range with nothing has no data
    await show({**params, "channel": "email"})
    assert await browser.attribute("#tile-contacts_added", "data-status") == "filter_not_applicable"
    assert "not applicable" in await browser.text("#tile-contacts_added")
    assert await browser.attribute("#log-state", "data-kind") == "filter_not_applicable"
    assert await browser.attribute("#chart-connected_by_channel", "data-status") == "ok"
    await browser.screenshot(shots, "report-not-applicable")
    await show({"preset": "custom", "from": "2025-01-01", "to": "2025-01-02"})
    assert await browser.attribute("#tile-contacts_added", "data-status") == "no_data"
    assert "no data" in await browser.text("#tile-contacts_added")
    # a phone's width: nothing wider than the screen
    await browser.size(*PHONE)
    await show(params)
    assert await browser.run("return document.documentElement.scrollWidth <= innerWidth")
    await browser.run("document.getElementById('overview-h').scrollIntoView()")
    await browser.screenshot(shots, "report-phone")
    assert "Not yours" not in await browser.page_text()


async def test_sign_in_keeps_the_token_from_scripts_and_auditing_needs_an_auditor(
    settings, browser, shots
):
    stack = await running(settings, console_scenario())
    try:
        await sign_in_and_audit(stack, browser, shots)
    finally:
        await stack.__aexit__(None, None, None)


async def sign_in_and_audit(stack: Stack, browser: AsyncBrowser, shots) -> None:
    # a screen asks for a token first, and a wrong one is refused
    await browser.open(f"{stack.url}/console/activities")
    await checked(browser, shots, "sign-in")
    await submit_token(browser, "chr_wrong")
    await browser.until_count("#sign-in-error", "the refusal")
    assert "not accepted" in await browser.text("#sign-in-error")
    # an agent signs in: an HttpOnly cookie; no token in the address or within scripts' reach
    agent = stack.token(WS, role="agent", teams=("support",))
    await sign_in(browser, stack, agent, "/console/audit")
    cookie = (await browser.cookies())["chronicle_console"]
    assert (cookie["value"], cookie["httpOnly"], cookie["sameSite"]) == (agent, True, "Strict")
    reachable = await browser.run(
        "return [document.cookie, location.href, JSON.stringify(localStorage),"
        " JSON.stringify(sessionStorage), document.documentElement.outerHTML].join()"
    )
    assert agent not in reachable
    await browser.until_js(
        "return document.getElementById('verify-state').dataset.kind === 'error'", "the 403"
    )
    assert "auditor" in await browser.text("#verify-state")
    # the cookie alone makes no write: anything but a read needs the CSRF header
    status = await browser.run_async(
        "fetch('/v1/timeline/badges', {method: 'POST', body: '{}',"
        " headers: {'Content-Type': 'application/json'}}).then(r => arguments[0](r.status))"
    )
    assert status == 401
    # an auditor sees the tamper check and a record's chained events
    auditor = stack.token(WS, role="auditor")
    await sign_out(browser)
    await sign_in(browser, stack, auditor, "/console/audit?kind=conversation&id=conv_s")
    await browser.until_count("#verdict", "the verdict")
    await browser.until_count("#events tr", "the stored events")
    async with stack.client(auditor) as api:
        verify = (await api.get("/v1/audit/verify")).json()
        stored = (await api.get("/v1/audit/conversation/conv_s/events")).json()
    assert verify["intact"] and await browser.text("#verdict") == "Intact"
    assert f"Events checked\n{verify['events']}" in await browser.text("#verify")
    wire_names = [e["wire_name"] for e in stored["events"]]
    assert await browser.texts("#events td:nth-child(3)") == wire_names
    await checked(browser, shots, "audit")
    # signing out ends the session
    await sign_out(browser)
    await browser.open(f"{stack.url}/console/audit")
    await browser.until_count("#token", "the sign-in form again")


async def test_communication_analytics_draws_the_apis_numbers(console, browser, shots):
    stack, api = console
    params = {"preset": "last_7_days", "period": "day"}
    found = (await api.get("/v1/analytics/contacts/c_ann", params=params)).json()
    await browser.open(f"{stack.url}/console/contacts/c_ann/analytics?{urlencode(params)}")
    await browser.until_js("return document.getElementById('range').textContent", "the analytics")
    volume = found["volume"]
    assert await browser.text("#tile-interactions .value") == str(found["interactions"]["total"])
    assert (
        await browser.text("#tile-messages .value") == f"{volume['inbound']} / {volume['outbound']}"
    )
    first = found["response_times"]["first_response"]
    assert first["status"] == "ok" and f"({first['count']})" in await browser.text("#tile-first")
    drawn = ("interactions", "volume", "channels", "response")
    assert [await browser.attribute(f"#chart-{c}", "data-status") for c in drawn] == ["ok"] * 4
    await checked(browser, shots, "analytics")
