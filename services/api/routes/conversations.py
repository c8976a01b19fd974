"""A conversation's audit trail, viewed indicators and message viewer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from projections.audit_trail.queries import AuditTrailPage, AuditTrailQueries
from projections.conversations.queries import ConversationQueries
from projections.shared.paging import Paged
from services.api.deps import ERRORS, CallerScope, Conn, not_found

router = APIRouter(tags=["conversations"], responses=ERRORS)
ConversationId = Annotated[str, Path(description="The producer's conversation id")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]


class View(BaseModel):
    message_id: str
    viewer_type: str = Field(description="customer (read our reply) or teammate")
    viewer_id: str
    viewer_name: str | None
    viewed_at: datetime = Field(description="Exact time of the first view")


class MessageOut(BaseModel):
    message_id: str
    position: int
    direction: str = Field(description="inbound (left bubble) or outbound (right bubble)")
    channel: str
    body: str
    attachments: list[dict[str, Any]] = Field(description="deleted ones carry deleted: true")
    sender_type: str
    sender_id: str
    sender_name: str | None
    occurred_at: datetime
    status: str = Field(description="sent, failed or bounced")
    origin_conversation_id: str | None = Field(description="Set when merged in from another")
    views: list[View]


class Match(BaseModel):
    message_id: str
    start: int = Field(description="Character offset where the match starts in the body")
    end: int = Field(description="Character offset just after the match")


class MessagesPage(Paged):
    conversation_id: str
    queue: str | None
    channel: str
    message_count: int
    status: str
    subject: str | None
    messages: list[MessageOut]
    matches: list[Match] = Field(
        description="Every match of `q` in the whole conversation, "
        "in order, for next/previous highlighting"
    )
    next_cursor: str | None


async def _visible(queries: ConversationQueries, conversation_id: str) -> dict:
    summary = await queries.summary(conversation_id)
    if summary is None:
        raise not_found("conversation", conversation_id)
    return summary


@router.get(
    "/v1/conversations/{conversation_id}/audit-trail",
    response_model=AuditTrailPage,
    summary="Every event of a conversation, oldest first, with actor and time",
)
async def audit_trail(
    conn: Conn,
    scope: CallerScope,
    conversation_id: ConversationId,
    limit: Annotated[int, Query(ge=1, le=1000, description="Entries per page")] = 100,
    cursor: Cursor = None,
) -> AuditTrailPage:
    await _visible(ConversationQueries(conn, scope), conversation_id)
    return await AuditTrailQueries(conn, scope).page(conversation_id, limit, cursor)


@router.get(
    "/v1/conversations/{conversation_id}/views",
    response_model=list[View],
    summary="Viewed indicators: who viewed which message, at what exact time",
)
async def views(conn: Conn, scope: CallerScope, conversation_id: ConversationId) -> list[View]:
    queries = ConversationQueries(conn, scope)
    await _visible(queries, conversation_id)
    return [View(**v) for v in await queries.views(conversation_id)]


@router.get(
    "/v1/conversations/{conversation_id}/messages",
    response_model=MessagesPage,
    summary="The message viewer: messages in order, with queue, channel and count",
)
async def messages(
    conn: Conn,
    scope: CallerScope,
    conversation_id: ConversationId,
    limit: Annotated[int, Query(ge=1, le=500, description="Messages per page")] = 100,
    cursor: Cursor = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Text to find (case-insensitive)"),
    ] = None,
) -> MessagesPage:
    queries = ConversationQueries(conn, scope)
    summary = await _visible(queries, conversation_id)
    page, next_cursor = await queries.messages(conversation_id, limit, cursor)
    seen: dict[str, list[View]] = {}
    for v in await queries.views(conversation_id):
        seen.setdefault(v["message_id"], []).append(View(**v))
    return MessagesPage(
        conversation_id=conversation_id,
        queue=summary["queue"],
        channel=summary["channel"],
        message_count=summary["message_count"],
        status=summary["status"],
        subject=summary["subject"],
        next_cursor=next_cursor,
        messages=[MessageOut(**m, views=seen.get(m["message_id"], [])) for m in page],
        matches=[Match(**m) for m in await queries.search(conversation_id, q)] if q else [],
    )
