"""Timelines of contacts, leads and accounts, and their badge counts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from projections.timeline.answers import TimelinePage
from projections.timeline.queries import TimelineQueries
from services.api.deps import ERRORS, CallerScope, Conn, not_found
from services.api.models import BadgeRequest, Badges
from services.audit.time_travel import aware

router = APIRouter(tags=["timeline"], responses=ERRORS)

Limit = Annotated[int, Query(ge=1, le=100, description="Entries per page (default 10)")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]
Types = Annotated[
    list[str],
    Query(description="Only these event types, e.g. conversation.message_received (repeatable)"),
]
Categories = Annotated[
    list[str],
    Query(
        description="Only these categories: an activity type "
        "(call, email, note, ticket, chat, ...), "
        "interaction, conversation or contact (repeatable)"
    ),
]
Text = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="Only entries whose text contains this"),
]
Deleted = Annotated[bool, Query(description="Also show entries of deleted activities")]
AsOf = Annotated[
    datetime | None,
    Query(
        description="What the timeline showed at this moment (Chronicle's clock; ISO 8601, UTC "
        "if no zone): entries recorded by then, activities deleted later still shown, "
        "contacts merged later not yet included"
    ),
]
SubjectId = Annotated[str, Path(description="The contact's, lead's or account's id")]


def _route(subject_type: str):
    async def timeline(
        conn: Conn,
        scope: CallerScope,
        subject_id: SubjectId,
        limit: Limit = 10,
        cursor: Cursor = None,
        type: Types = [],  # noqa: B006
        category: Categories = [],  # noqa: B006
        q: Text = None,
        include_deleted: Deleted = False,
        as_of: AsOf = None,
    ) -> TimelinePage:
        page = await TimelineQueries(conn, scope).page(
            subject_type,
            subject_id,
            limit=limit,
            cursor=cursor,
            types=type,
            categories=category,
            text=q,
            include_deleted=include_deleted,
            as_of=aware(as_of),
        )
        if page is None:
            raise not_found(subject_type, subject_id)
        return page

    return timeline


for _subject in ("contact", "lead", "account"):
    router.add_api_route(
        f"/v1/{_subject}s/{{subject_id}}/timeline",
        _route(_subject),
        methods=["GET"],
        response_model=TimelinePage,
        summary=f"A {_subject}'s timeline, newest first",
        description="Activities, emails, conversation events and closed interactions in one "
        "list, newest first, keyset-paged."
        + (" Includes contacts merged into this one." if _subject == "contact" else ""),
        operation_id=f"{_subject}_timeline",
    )


@router.post(
    "/v1/timeline/badges",
    response_model=Badges,
    summary='Badge counts ("6 Activities") for many records in one call',
)
async def badges(conn: Conn, scope: CallerScope, request: BadgeRequest) -> Badges:
    queries = TimelineQueries(conn, scope)
    return Badges(
        contacts=await queries.badges("contact", request.contacts),
        leads=await queries.badges("lead", request.leads),
        accounts=await queries.badges("account", request.accounts),
    )
