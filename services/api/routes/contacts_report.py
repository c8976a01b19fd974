"""The contacts report (seed 004) and what its filters offer (logs: contact_logs.py)."""

from __future__ import annotations

from fastapi import APIRouter

from projections.contacts_report.charts import (
    SOURCE_LABELS,
    needed_metrics,
)
from projections.contacts_report.charts import charts as build_charts
from projections.contacts_report.queries import ContactsReportQueries
from projections.workspace.queries import WorkspaceQueries
from services.api.deps import ERRORS, CallerScope, Conn
from services.api.report_models import ContactsReportOut, Option, ReportFilters
from services.api.routes.report_params import Filter, Range, contact_ids

router = APIRouter(tags=["reports"], responses=ERRORS)


@router.get(
    "/v1/reports/contacts",
    response_model=ContactsReportOut,
    summary="The contacts report: added, deleted, merged; added by source; connected by channel",
)
async def contacts_report(conn: Conn, scope: CallerScope, r: Range, f: Filter) -> dict:
    queries = ContactsReportQueries(conn, scope)
    metrics = needed_metrics(f)
    found = await queries.counts(metrics, r, f, await contact_ids(queries, f)) if metrics else []
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
