"""The contacts report (seed 004), its filter options, its four logs and their export."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from services.api.deps import ERRORS, CallerScope, Conn
from services.api.queries.contact_charts import (
    LOGS,
    NOT_APPLICABLE,
    SOURCE_LABELS,
    needed_metrics,
    not_applicable,
)
from services.api.queries.contact_charts import charts as build_charts
from services.api.queries.contact_logs import MAX_ROWS, ContactLogQueries, export_csv
from services.api.queries.contacts_report import ContactsReportQueries, ReportFilter
from services.api.queries.workspace import WorkspaceQueries
from services.api.report_models import ContactsReportOut, LogPage, Option, ReportFilters
from services.api.routes.report_params import Filter, Range

router = APIRouter(tags=["reports"], responses=ERRORS)
Log = Annotated[
    Literal["added", "connected", "deleted", "merged"],
    Path(description="Which log: added, connected, deleted or merged"),
]


async def _contact_ids(queries: ContactsReportQueries, f: ReportFilter) -> list[str] | None:
    return await queries.contact_ids(f.contacts) if f.contacts else None


@router.get(
    "/v1/reports/contacts",
    response_model=ContactsReportOut,
    summary="The contacts report: added, deleted, merged; added by source; connected by channel",
)
async def contacts_report(conn: Conn, scope: CallerScope, r: Range, f: Filter) -> dict:
    queries = ContactsReportQueries(conn, scope)
    metrics = needed_metrics(f)
    found = await queries.counts(metrics, r, f, await _contact_ids(queries, f)) if metrics else []
    channels = {c["channel"]: c for c in await WorkspaceQueries(conn, scope).channels()}
    return {
        "range": r.describe(),
        "filters": f.describe(),
        "charts": build_charts(found, r, f, channels),
    }


@router.get(
    "/v1/reports/contacts/filters",
    response_model=ReportFilters,
    summary="What the contacts report's filters offer (deleted channels listed, not selectable)",
)
async def report_filters(conn: Conn, scope: CallerScope) -> ReportFilters:
    directory = WorkspaceQueries(conn, scope)
    channels = [
        Option(
            key=c["channel"],
            label=c["name"] or c["channel"],
            selectable=c["selectable"],
            deleted=c["deleted"],
        )
        for c in await directory.channels()
    ]
    users = [
        Option(
            key=u["user_id"], label=u["display"], selectable=not u["deleted"], deleted=u["deleted"]
        )
        for u in await directory.users()
    ]
    sources = [
        Option(key=k, label=label, selectable=True, deleted=False)
        for k, label in SOURCE_LABELS.items()
    ]
    return ReportFilters(channels=channels, sources=sources, users=users)


@router.get(
    "/v1/reports/contacts/logs/{log}",
    response_model=LogPage,
    summary="A contact log, newest first: at most 10,000 rows, with the total when cut",
)
async def contact_log(
    request: Request,
    conn: Conn,
    scope: CallerScope,
    log: Log,
    r: Range,
    f: Filter,
    limit: Annotated[
        int, Query(ge=1, le=MAX_ROWS, description="Rows in this response (at most 10,000)")
    ] = MAX_ROWS,
) -> dict:
    export = (
        f"/v1/reports/contacts/logs/{log}/export?{urlencode(request.query_params.multi_items())}"
    )
    page = {"log": log, "range": r.describe(), "limit": limit, "export": export.rstrip("?")}
    skipped = not_applicable(LOGS[log], f)
    if skipped:
        return {
            **page,
            "status": "filter_not_applicable",
            "message": NOT_APPLICABLE,
            "not_applicable": skipped,
            "rows": [],
            "returned": 0,
            "total": 0,
            "truncated": False,
        }
    queries = ContactsReportQueries(conn, scope)
    contact_ids = await _contact_ids(queries, f)
    found, more = await ContactLogQueries(conn, scope).page(log, r, f, contact_ids, limit)
    total = await queries.total(log, r, f, contact_ids) if more else len(found)
    return {
        **page,
        "status": "ok" if found else "no_data",
        "rows": found,
        "returned": len(found),
        "total": total,
        "truncated": more,
    }


@router.get(
    "/v1/reports/contacts/logs/{log}/export",
    summary="Every row of a contact log as CSV, streamed (no row cap)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The log as CSV"}},
)
async def export_contact_log(
    request: Request, conn: Conn, scope: CallerScope, log: Log, r: Range, f: Filter
) -> StreamingResponse:
    skipped = not_applicable(LOGS[log], f)
    if skipped:
        from services.api.routes.report_params import invalid

        raise invalid(skipped[0], f"does not apply to the {log} log")
    contact_ids = await _contact_ids(ContactsReportQueries(conn, scope), f)
    sql, params = ContactLogQueries(conn, scope).select(log, r, f, contact_ids)
    pool = request.app.state.pool

    async def body():
        async with pool.connection() as export_conn:
            async for chunk in export_csv(export_conn, sql, params, r.time_zone):
                yield chunk

    filename = f"contacts-{log}-{r.first_day}-{r.last_day}.csv"
    return StreamingResponse(
        body(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
