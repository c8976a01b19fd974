"""Query parameters every report takes: its range (a preset or custom dates, in the
workspace's time zone) and the contacts report's filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Query
from psycopg import AsyncConnection

from domain.workspace import known_time_zone
from projections.contacts_report.queries import (
    MAX_CONTACTS,
    ContactsReportQueries,
    ReportFilter,
)
from projections.shared.report_range import RangeError, ReportRange, resolve
from projections.workspace.queries import WorkspaceQueries
from services.api.deps import CallerScope, Conn
from services.api.exports import ExportCaller, ExportDownload
from services.api.scope import Scope

Preset = Literal[
    "today",
    "yesterday",
    "last_7_days",
    "last_14_days",
    "last_30_days",
    "this_month",
    "last_month",
    "custom",
]


def invalid(field: str, problem: str) -> HTTPException:
    return HTTPException(422, [{"loc": ["query", field], "msg": problem, "type": "value_error"}])


@dataclass(frozen=True)
class AskedRange:
    """A report's range as the query asks for it (report_range resolves it)."""

    preset: Preset | None
    first: date | None
    last: date | None
    as_of: datetime | None
    time_zone: str | None


def asked_range(
    preset: Annotated[
        Preset | None,
        Query(
            description="Date range relative to today in the workspace's zone "
            "(default last_7_days: today and the 6 days before); custom needs from/to"
        ),
    ] = None,
    first: Annotated[
        date | None,
        Query(alias="from", description="Custom range: first local day (YYYY-MM-DD)"),
    ] = None,
    last: Annotated[
        date | None,
        Query(alias="to", description="Custom range: last local day, inclusive (YYYY-MM-DD)"),
    ] = None,
    as_of: Annotated[
        datetime | None,
        Query(description="Compute presets as if it were this instant (default: now)"),
    ] = None,
    time_zone: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Cut days in this IANA zone instead of the workspace's setting",
        ),
    ] = None,
) -> AskedRange:
    return AskedRange(preset, first, last, as_of, time_zone)


Asked = Annotated[AskedRange, Depends(asked_range)]


async def resolve_range(conn: AsyncConnection, scope: Scope, asked: AskedRange) -> ReportRange:
    """The range in the workspace's zone (or the one asked for)."""
    zone = asked.time_zone or await WorkspaceQueries(conn, scope).time_zone()
    if not known_time_zone(zone):
        raise invalid("time_zone", f"{zone!r} is not an IANA time zone")
    if asked.as_of is not None and asked.as_of.tzinfo is None:
        raise invalid("as_of", "needs a time zone (e.g. Z or +02:00)")
    try:
        return resolve(zone, asked.preset, asked.first, asked.last, asked.as_of)
    except RangeError as e:
        raise invalid(e.field, e.problem) from None


async def report_range(conn: Conn, scope: CallerScope, asked: Asked) -> ReportRange:
    return await resolve_range(conn, scope, asked)


async def export_range(download: ExportDownload, scope: ExportCaller, asked: Asked) -> ReportRange:
    """The range of a CSV export, read on its own connection (services/api/exports.py)."""
    return await resolve_range(download.conn, scope, asked)


Range = Annotated[ReportRange, Depends(report_range)]
ExportRange = Annotated[ReportRange, Depends(export_range)]


def report_filter(
    channel: Annotated[
        list[str], Query(description="Only these channels (repeatable; deleted ones count)")
    ] = [],  # noqa: B006
    user: Annotated[list[str], Query(description="Only what these users did (ids)")] = [],  # noqa: B006
    source: Annotated[
        list[str],
        Query(
            description="Only these sources: user, import, api, incoming_message, "
            "echo_message, zapier, make, click_to_chat_ad, broadcast (repeatable)"
        ),
    ] = [],  # noqa: B006
    contact: Annotated[
        list[str],
        Query(
            description="Only these contacts, by id or by name (case-insensitive, exact); "
            "contacts merged into them included (repeatable, up to 50)"
        ),
    ] = [],  # noqa: B006
) -> ReportFilter:
    if len(contact) > 50:
        raise invalid("contact", "at most 50 contacts")
    return ReportFilter(channel, user, source, contact)


Filter = Annotated[ReportFilter, Depends(report_filter)]


async def contact_ids(queries: ContactsReportQueries, f: ReportFilter) -> list[str] | None:
    """The contacts the contact filter means (None: no contact filter)."""
    if not f.contacts:
        return None
    found = await queries.contact_ids(f.contacts)
    if len(found) > MAX_CONTACTS:
        raise invalid("contact", f"matches more than {MAX_CONTACTS} contacts: name them by id")
    return found
