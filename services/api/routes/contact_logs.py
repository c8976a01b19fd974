"""The four contact logs of seed 004 (at most 10,000 rows a response) and their export,
which runs on connections of its own (services/api/exports.py)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from projections.contacts_report.charts import LOGS, NOT_APPLICABLE, not_applicable
from projections.contacts_report.logs import MAX_ROWS, ContactLogQueries, export_csv
from projections.contacts_report.queries import ContactsReportQueries
from services.api.deps import ERRORS, CallerScope, Conn
from services.api.exports import BUSY, ExportCaller, ExportDownload
from services.api.report_models import LogPage
from services.api.routes.report_params import ExportRange, Filter, Range, contact_ids, invalid

router = APIRouter(tags=["reports"], responses=ERRORS)
Log = Annotated[
    Literal["added", "connected", "deleted", "merged"],
    Path(description="Which log: added, connected, deleted or merged"),
]


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
    ids = await contact_ids(queries, f)
    found, more = await ContactLogQueries(conn, scope).page(log, r, f, ids, limit)
    total = await queries.total(log, r, f, ids) if more else len(found)
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
    description="A cell that would start a spreadsheet formula (`=`, `+`, `-`, `@`, tab, "
    "carriage return) is written with a single quote in front.",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The log as CSV"}, **BUSY},
)
async def export_contact_log(
    scope: ExportCaller,
    download: ExportDownload,
    log: Log,
    r: ExportRange,
    f: Filter,
    bom: Annotated[
        bool,
        Query(
            description="Start the file with a UTF-8 byte order mark, for spreadsheets "
            "that read UTF-8 only with one (Excel)"
        ),
    ] = False,
) -> StreamingResponse:
    skipped = not_applicable(LOGS[log], f)
    if skipped:
        raise invalid(skipped[0], f"does not apply to the {log} log")
    conn = download.conn
    ids = await contact_ids(ContactsReportQueries(conn, scope), f)
    sql, params = ContactLogQueries(conn, scope).select(log, r, f, ids)
    filename = f"contacts-{log}-{r.first_day}-{r.last_day}.csv"
    return StreamingResponse(
        download.stream(export_csv(conn, sql, params, r.time_zone, bom)),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
