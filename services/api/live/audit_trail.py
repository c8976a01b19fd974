"""A conversation's live audit trail: its events in stored order, one item each.

Visibility is the read endpoint's: the conversation's current team. If the conversation
stops being visible to the caller (reassigned away from an agent's teams), the stream
ends with a `gone` event, as the read endpoint would now answer 404. The stream sees
the reassignment in the trail itself, so it stops right there even while the
conversations read model (which the read endpoint asks) has not caught up yet.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from services.api.live.streams import Item, Stream, StreamPosition
from services.api.queries import rows
from services.api.queries.conversations import ConversationQueries
from services.api.scope import Scope

PROBE = (
    "SELECT s.i FROM unnest(%s::int[], %s::text[], %s::text[], %s::bigint[]) "
    "AS s(i, ws, conversation, floor) WHERE EXISTS (SELECT 1 FROM rm_audit_trail.entries e "
    "WHERE e.workspace_id = s.ws AND e.conversation_id = s.conversation "
    "AND e.position > s.floor)"
)


class AuditTrailStream(Stream):
    schema = "rm_audit_trail"
    recheck_visibility = True  # the conversation's current team decides

    def __init__(self, scope: Scope, conversation_id: str) -> None:
        super().__init__(scope)
        self.conversation_id = conversation_id

    def describe(self) -> tuple[str, str]:
        return ("conversation", self.conversation_id)

    async def visible(self, conn: AsyncConnection) -> bool:
        return await ConversationQueries(conn, self.scope).summary(self.conversation_id) is not None

    async def read(self, conn: AsyncConnection, after: StreamPosition, limit: int) -> list[Item]:
        queries = ConversationQueries(conn, self.scope)
        items = []
        for e in await queries.audit_entries(self.conversation_id, after.group, limit):
            if self._moves_away(e.type, e.details):
                self.ended = "the conversation moved to a team this token does not see"
                break
            items.append(Item(e.position, (), "entry", e.model_dump_json()))
        return items

    def _moves_away(self, type_: str, details: dict) -> bool:
        """A reassignment or hand-over to a team the caller may not see (the team a
        conversation event leaves it with, as in domain/conversation/work.py)."""
        if type_ == "conversation.reassigned":
            return not self.scope.may_see_team(details.get("to_team_id"))
        if type_ == "conversation.chatbot_handed_over" and details.get("to_team_id"):
            return not self.scope.may_see_team(details["to_team_id"])
        return False

    def probe_key(self) -> tuple[Any, ...]:
        return (self.workspace_id, self.conversation_id)

    @classmethod
    async def probe(cls, conn: AsyncConnection, keyed: list[tuple[int, tuple, int]]) -> set[int]:
        columns = [
            [index for index, _, _ in keyed],
            [key[0] for _, key, _ in keyed],
            [key[1] for _, key, _ in keyed],
            [floor for _, _, floor in keyed],
        ]
        return {r["i"] for r in await rows(conn, PROBE, columns)}
