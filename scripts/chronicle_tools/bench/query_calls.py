"""The server-side calls of the timed queries: the API's own query classes, as the routes
call them (imported late, so a build without one still runs the others)."""

from __future__ import annotations

from chronicle_tools.bench.query_context import GRID_ROUTE, TIMELINE_ROUTE, Context, as_the_api


async def timeline(conn, ctx: Context, contact: str, cursor=None, text=None):
    from projections.timeline.queries import TimelineQueries

    as_the_api(ctx, TIMELINE_ROUTE)
    return await TimelineQueries(conn, ctx.scope).page(
        "contact",
        contact,
        limit=10,
        cursor=cursor,
        types=[],
        categories=[],
        text=text,
        include_deleted=False,
    )


async def grid(conn, ctx: Context, cursor=None, **filters):
    from projections.activity_grid.queries import GridFilter, GridQueries

    grid_filter = GridFilter(filters.pop("types", []), filters.pop("agents", []), [], **filters)
    as_the_api(ctx, GRID_ROUTE)
    return await GridQueries(conn, ctx.scope).page(
        grid_filter, limit=50, cursor=cursor, newest_first=True
    )


async def audit_trail(conn, ctx: Context):
    from projections.audit_trail.queries import AuditTrailQueries

    return await AuditTrailQueries(conn, ctx.scope).page(ctx.conversation(), 50, None)


async def badges(conn, ctx: Context):
    from projections.timeline.queries import TimelineQueries

    return await TimelineQueries(conn, ctx.scope).badges("contact", ctx.contacts[:100])


async def contacts_report(conn, ctx: Context):
    """As the route: the counts of the metrics the charts need, then the charts."""
    from projections.contacts_report.charts import charts, needed_metrics
    from projections.contacts_report.queries import ContactsReportQueries, ReportFilter
    from projections.shared.report_range import resolve
    from projections.workspace.queries import WorkspaceQueries

    queries, r, f = (
        ContactsReportQueries(conn, ctx.scope),
        resolve("UTC", "last_30_days"),
        ReportFilter(),
    )
    found = await queries.counts(needed_metrics(f), r, f, None)
    channels = {c["channel"]: c for c in await WorkspaceQueries(conn, ctx.scope).channels()}
    return charts(found, r, f, channels)


async def contact_log(conn, ctx: Context):
    """As the route: the 'added' log of the last 30 days, a page of 100 newest first, and
    the log's total when the page is cut."""
    from projections.contacts_report.logs import ContactLogQueries
    from projections.contacts_report.queries import ContactsReportQueries, ReportFilter
    from projections.shared.report_range import resolve

    r, f = resolve("UTC", "last_30_days"), ReportFilter()
    found, more = await ContactLogQueries(conn, ctx.scope).page("added", r, f, None, 100)
    queries = ContactsReportQueries(conn, ctx.scope)
    return found, await queries.total("added", r, f, None) if more else len(found)


async def analytics(conn, ctx: Context, subject_type: str, subject_id: str):
    """As the routes: a contact's (with the contacts merged into it) or a team's
    communication analytics of the last 30 days, by day, every section."""
    from projections.communication import charts as sections
    from projections.communication.queries import AnalyticsQueries
    from projections.shared.report_range import resolve
    from projections.workspace.queries import WorkspaceQueries

    queries, r = AnalyticsQueries(conn, ctx.scope), resolve("UTC", "last_30_days")
    if subject_type == "contact":
        assert (await queries.contact(subject_id))["includes"]
    else:
        assert await queries.team_visible(subject_id)
    found = await queries.volume(subject_type, subject_id, r, "day", [])
    times = await queries.responses(subject_type, subject_id, r, [])
    channels = await WorkspaceQueries(conn, ctx.scope).channels()
    deleted = {c["channel"] for c in channels if c["deleted"]}
    periods = r.periods("day")
    return (
        sections.interactions(found, periods),
        sections.volume(found, periods),
        sections.channels(found, deleted),
        sections.response_times(times),
    )
