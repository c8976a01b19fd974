"""A conversation's live audit trail: its events in stored order, one item each.

Visibility is the read endpoint's: the conversation's current team. If the conversation
stops being visible to the caller (reassigned away from an agent's teams), the stream
ends with a `gone` event, as the read endpoint would now answer 404. The stream sees
the reassignment in the trail itself, so it stops right there even while the
conversations read model (which the read endpoint asks) has not caught up yet.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from psycopg import AsyncConnection

from domain.conversation import ownership
from domain.conversation.lifecycle import Opened
from domain.conversation.ownership import Owner, owner_after
from projections.audit_trail.queries import COLUMNS, WITH_CHANNEL, audit_entry, readable
from projections.audit_trail.tables import ENTRIES, SCHEMA
from projections.conversations.queries import ConversationQueries
from projections.conversations.tables import CONVERSATIONS
from projections.shared.reading import Scope, rows
from projections.shared.streams import Item, Stream, StreamPosition

# the entries that can move a conversation to another team (opening it makes it visible)
TRANSFERS = {k.TOPIC.rsplit(".", 1)[0]: k for k in ownership.TRANSFERS if k is not Opened}
_UNCHANGED: Any = object()  # the team before, unknown here: an entry that keeps it keeps it
CHANGES = (
    f"SELECT DISTINCT workspace_id, conversation_id FROM {ENTRIES} "
    "WHERE position > %s AND position <= %s"
)


class AuditTrailStream(Stream):
    schema = SCHEMA

    def __init__(self, scope: Scope, conversation_id: str) -> None:
        super().__init__(scope)
        self.conversation_id = conversation_id

    def describe(self) -> tuple[str, str]:
        return ("conversation", self.conversation_id)

    async def visible(self, conn: AsyncConnection) -> bool:
        return await ConversationQueries(conn, self.scope).summary(self.conversation_id) is not None

    def batch_key(self) -> tuple:
        return (AuditTrailStream, self.scope.view_key())

    @classmethod
    async def read_many(
        cls, conn: AsyncConnection, requests: list[tuple[Stream, StreamPosition]], limit: int
    ) -> list[list[Item]]:
        streams: list[AuditTrailStream] = [s for s, _ in requests]  # type: ignore[misc]
        queries = ConversationQueries(conn, streams[0].scope)
        where, params = queries.visible_where()
        ids = [s.conversation_id for s in streams]
        visible = await rows(
            conn,
            f"SELECT conversation_id FROM {CONVERSATIONS} WHERE {where} "
            "AND conversation_id = ANY(%s)",
            (*params, ids),
        )
        seen = {r["conversation_id"] for r in visible}
        where, params = streams[0].scope.where("e", team_column=None)  # visibility: above
        found = await rows(
            conn,
            "SELECT s.n, r.* FROM unnest(%s::int[], %s::text[], %s::bigint[]) AS "
            f"s(n, conversation, after) CROSS JOIN LATERAL (SELECT {COLUMNS} FROM "
            f"{WITH_CHANNEL} WHERE {where} AND e.conversation_id = s.conversation "
            "AND e.position > s.after ORDER BY e.position LIMIT %s) r ORDER BY s.n, r.position",
            (list(range(len(streams))), ids, [p.group for _, p in requests], *params, limit),
        )
        items: list[list[Item]] = [[] for _ in streams]
        for r in found:
            stream, entry = streams[r["n"]], audit_entry(r)
            if stream.ended or stream.conversation_id not in seen:
                continue
            if stream.moves_away(entry.type, entry.details):  # read before any redaction
                stream.ended = "the conversation moved to a team this token does not see"
                continue
            data = readable(stream.scope, r, entry).model_dump_json()
            items[r["n"]].append(Item(entry.position, (), "entry", data))
        for stream in streams:
            if stream.conversation_id not in seen:
                stream.ended = "no longer visible to this token"
        return items

    def moves_away(self, type_: str, details: dict) -> bool:
        """Does the entry leave the conversation with a team the caller may not see (the
        owner after it: domain/conversation/ownership.py)?"""
        kind = TRANSFERS.get(type_)
        if kind is None:
            return False
        after = owner_after(SimpleNamespace(**details), Owner(_UNCHANGED), kind)
        return after.team_id is not _UNCHANGED and not self.scope.may_see_team(after.team_id)

    def key(self) -> tuple:
        return (self.workspace_id, self.conversation_id)

    @classmethod
    async def changes(
        cls, conn: AsyncConnection, after: int, upto: int, workspaces: frozenset[str] | None
    ) -> set[tuple] | None:
        found = await rows(conn, CHANGES, (after, upto))
        return {(r["workspace_id"], r["conversation_id"]) for r in found}
