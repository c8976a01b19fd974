"""What the communication projection keeps between events, and one batch's changes to it:
loaded in one query per table, changed in memory in log order, written back in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from psycopg import AsyncCursor

from domain.activity import Activity
from domain.conversation import Conversation
from projections.communication.tables import ACTIVITIES, CONVERSATIONS
from projections.engine.base import Recorded, reader

# Upper bounds (seconds) of the response-time bins; the last bin is open.
BINS = (60, 300, 900, 3600, 14400, 86400)
BIN_LABELS = ("<1m", "1-5m", "5-15m", "15m-1h", "1-4h", "4-24h", ">=24h")


def response_bin(ms: int) -> int:
    return next((i for i, bound in enumerate(BINS) if ms < bound * 1000), len(BINS))


@dataclass
class ConversationState:
    contact_id: str | None = None
    team_id: str | None = None
    first_inbound_at: datetime | None = None
    first_response_at: datetime | None = None
    awaiting_since: datetime | None = None


@dataclass
class ActivityState:
    contact_id: str | None
    team_id: str | None
    bucket: datetime
    channel: str
    direction: str | None
    deleted: bool = False


def _keys(events: Sequence[Recorded], kind: type, field: str) -> list:
    keys = {
        (r.meta.workspace_id, getattr(r.event, field)) for r in events if isinstance(r.event, kind)
    }
    return [list(column) for column in zip(*keys, strict=True)] if keys else []


async def load_conversations(cur: AsyncCursor, schema: str, events: Sequence[Recorded]) -> dict:
    keys = _keys(events, Conversation.Event, "conversation_id")
    if not keys:
        return {}
    cur = reader(cur)
    await cur.execute(
        f"SELECT workspace_id, conversation_id, contact_id, team_id, first_inbound_at, "
        f"first_response_at, awaiting_since FROM {CONVERSATIONS.at(schema)} WHERE "
        "(workspace_id, conversation_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
        keys,
    )
    return {(ws, cid): ConversationState(*rest) for ws, cid, *rest in await cur.fetchall()}


async def load_activities(cur: AsyncCursor, schema: str, events: Sequence[Recorded]) -> dict:
    keys = _keys(events, Activity.Deleted, "activity_id")
    if not keys:
        return {}
    cur = reader(cur)
    await cur.execute(
        f"SELECT workspace_id, activity_id, contact_id, team_id, bucket, channel, direction, "
        f"deleted FROM {ACTIVITIES.at(schema)} WHERE (workspace_id, activity_id) IN "
        "(SELECT * FROM unnest(%s::text[], %s::text[]))",
        keys,
    )
    return {(ws, aid): ActivityState(*rest) for ws, aid, *rest in await cur.fetchall()}


class Batch:
    def __init__(self, conversations: dict, activities: dict) -> None:
        self.conversations: dict[tuple, ConversationState] = conversations
        self.activities: dict[tuple, ActivityState] = activities
        self.touched_activities: set[tuple] = set()
        self.contacts: list[tuple] = []
        self.merges: list[tuple[str, str, str]] = []  # (workspace, merged, primary), in order
        self.teams: set[tuple[str, str]] = set()
        self.volume: dict[tuple, int] = {}
        self.responses: dict[tuple, list[int]] = {}
        self.zones: dict[str, str] = {}  # workspace -> its new time zone

    def conversation(self, ws: str, conversation_id: str) -> ConversationState:
        return self.conversations.setdefault((ws, conversation_id), ConversationState())

    def team(self, ws: str, team_id: str | None) -> None:
        if team_id:
            self.teams.add((ws, team_id))

    def _subjects(self, ws: str, contact_id: str | None, team_id: str | None) -> list[tuple]:
        subjects = [("contact", contact_id)] if contact_id else []
        return subjects + ([("team", team_id)] if team_id else [])

    def count(self, ws, contact_id, team_id, slot, channel, kind, direction, delta=1) -> None:
        self.team(ws, team_id)
        for subject in self._subjects(ws, contact_id, team_id):
            key = (ws, *subject, slot, team_id, channel, kind, direction)  # VOLUME_KEY
            self.volume[key] = self.volume.get(key, 0) + delta  # zeros kept: see write()

    def respond(self, ws, c: ConversationState, slot, channel, kind, took: timedelta) -> None:
        ms = took // timedelta(milliseconds=1)
        for subject in self._subjects(ws, c.contact_id, c.team_id):
            key = (ws, *subject, slot, c.team_id, channel, kind, response_bin(ms))
            total = self.responses.setdefault(key, [0, 0])
            total[0] += 1
            total[1] += ms

    def log_activity(self, ws, activity_id, contact_id, team_id, slot, channel, direction):
        self.activities[(ws, activity_id)] = ActivityState(
            contact_id, team_id, slot, channel, direction
        )
        self.touched_activities.add((ws, activity_id))
        self.count(ws, contact_id, team_id, slot, channel, "activity", direction)

    def delete_activity(self, ws: str, activity_id: str) -> None:
        a = self.activities.get((ws, activity_id))
        if a is None or a.deleted:  # not a communication activity, or deleted already
            return
        a.deleted = True
        self.touched_activities.add((ws, activity_id))
        self.count(ws, a.contact_id, a.team_id, a.bucket, a.channel, "activity", a.direction, -1)
