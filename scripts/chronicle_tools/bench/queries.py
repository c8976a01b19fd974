"""The queries the benchmark times, server-side (SQL through the query classes) and over
HTTP. To add one, append a `QuerySpec`: `server` calls the query class, `http` names the
request; `needs` (module:attribute) and `route` (an OpenAPI path) say what the build must
have, and a spec whose parts are missing is printed as "not available in this build",
never dropped silently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from chronicle_tools.bench.query_calls import (
    analytics,
    audit_trail,
    badges,
    contact_log,
    contacts_report,
    grid,
    timeline,
)
from chronicle_tools.bench.query_context import Context

Server = Callable[[Any, Context], Awaitable[Any]]
Http = Callable[[Context], tuple[str, str, dict | None, Any]]  # method, path, params, body


@dataclass(frozen=True)
class QuerySpec:
    name: str
    target: str = ""
    server: Server | None = None
    http: Http | None = None
    needs: str | None = None
    route: str | None = None


TIMELINE = "/v1/contacts/{subject_id}/timeline"
GRID = "/v1/activities"

QUERIES: list[QuerySpec] = [
    QuerySpec(
        "timeline page (a contact, by popularity)",
        "p99 ≤ 5 ms",
        lambda conn, ctx: timeline(conn, ctx, ctx.contact()),
        lambda ctx: ("GET", f"/v1/contacts/{ctx.contact()}/timeline", None, None),
        route=TIMELINE,
    ),
    QuerySpec(
        "timeline page (the busiest contact)",
        "p99 ≤ 5 ms",
        lambda conn, ctx: timeline(conn, ctx, ctx.busiest),
        lambda ctx: ("GET", f"/v1/contacts/{ctx.busiest}/timeline", None, None),
        route=TIMELINE,
    ),
    QuerySpec(
        "timeline deep page (busiest contact, 80 % down)",
        "p99 ≤ 5 ms",
        lambda conn, ctx: timeline(conn, ctx, ctx.busiest, ctx.deep_cursor),
        lambda ctx: (
            "GET",
            f"/v1/contacts/{ctx.busiest}/timeline",
            {"cursor": ctx.deep_cursor},
            None,
        ),
        route=TIMELINE,
    ),
    QuerySpec(
        "timeline text search (busiest contact)",
        "",
        lambda conn, ctx: timeline(conn, ctx, ctx.busiest, text="refund"),
        lambda ctx: ("GET", f"/v1/contacts/{ctx.busiest}/timeline", {"q": "refund"}, None),
        route=TIMELINE,
    ),
    QuerySpec(
        "activity grid, type + agent + last 30 days",
        "p99 ≤ 20 ms",
        lambda conn, ctx: grid(conn, ctx, types=["call"], agents=["u_21"], created_from=ctx.since),
        lambda ctx: (
            "GET",
            GRID,
            {"type": "call", "agent": "u_21", "from": ctx.since.isoformat()},
            None,
        ),
        route=GRID,
    ),
    QuerySpec(
        "activity grid, contact name contains",
        "p99 ≤ 20 ms",
        lambda conn, ctx: grid(conn, ctx, contact="ann lee 1"),
        lambda ctx: ("GET", GRID, {"contact": "ann lee 1"}, None),
        route=GRID,
    ),
    QuerySpec(
        "activity grid deep page (half way down)",
        "p99 ≤ 20 ms",
        lambda conn, ctx: grid(conn, ctx, cursor=ctx.grid_cursor),
        lambda ctx: ("GET", GRID, {"cursor": ctx.grid_cursor}, None),
        route=GRID,
    ),
    QuerySpec(
        "conversation audit trail",
        "",
        audit_trail,
        lambda ctx: ("GET", f"/v1/conversations/{ctx.conversation()}/audit-trail", None, None),
        route="/v1/conversations/{conversation_id}/audit-trail",
    ),
    QuerySpec(
        "badges, 100 contacts",
        "",
        badges,
        lambda ctx: ("POST", "/v1/timeline/badges", None, {"contacts": ctx.contacts[:100]}),
        route="/v1/timeline/badges",
    ),
    QuerySpec(
        "contacts report, last 30 days",
        "p99 ≤ 20 ms",
        contacts_report,
        lambda ctx: ("GET", "/v1/reports/contacts", {"preset": "last_30_days"}, None),
        route="/v1/reports/contacts",
    ),
    QuerySpec(
        "contact logs (added, last 30 days, 100 rows)",
        "",
        contact_log,
        lambda ctx: (
            "GET",
            "/v1/reports/contacts/logs/added",
            {"preset": "last_30_days", "limit": 100},
            None,
        ),
        route="/v1/reports/contacts/logs/{log}",
    ),
    QuerySpec(
        "communication analytics, busiest contact, last 30 days",
        "",
        lambda conn, ctx: analytics(conn, ctx, "contact", ctx.busiest),
        lambda ctx: (
            "GET",
            f"/v1/analytics/contacts/{ctx.busiest}",
            {"preset": "last_30_days"},
            None,
        ),
        route="/v1/analytics/contacts/{contact_id}",
    ),
    QuerySpec(
        "communication analytics, busiest team, last 30 days",
        "",
        lambda conn, ctx: analytics(conn, ctx, "team", ctx.team),
        lambda ctx: ("GET", f"/v1/analytics/teams/{ctx.team}", {"preset": "last_30_days"}, None),
        route="/v1/analytics/teams/{team_id}",
    ),
]
