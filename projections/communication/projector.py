"""Communication analytics of contacts and teams (seed 000): how often, on which channels,
how fast we answer, and how much, over time.

Pre-aggregated per subject (a contact, a team) and 15-minute UTC bucket (see
projections/buckets.py), so a team's report costs the same however many contacts it has:
- `volume`: conversations opened, messages (in/out) and logged communication activities
  (call, email, sms, whatsapp, meeting, chat, ticket; notes and tasks are not
  communication), per channel; a deleted activity is taken off again;
- `responses`: first-response times (a conversation's first inbound message to the first
  reply) and reply times (the earliest unanswered inbound message to the next reply), as
  counts, sums in milliseconds (integers, so a rebuild adds up to the same) and bins.

An outbound message answers unless it is a broadcast. Rows of a contact are kept per
owning team (the conversation's team when it happened), so agents see only their teams'
share. Times follow the log's order, as every projection does.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from domain.conversation.ownership import team_after
from projections.communication.state import (
    INBOUND,
    OUTBOUND,
    RESPONSES,
    VOLUME,
    Batch,
    load_activities,
    load_conversations,
)
from projections.communication.write import write
from projections.engine.base import Projection, Recorded
from projections.shared.buckets import bucket

COMMUNICATION_ACTIVITIES = ("call", "email", "sms", "whatsapp", "meeting", "chat", "ticket")


class Communication(Projection):
    name = "communication"
    families = ("contact", "conversation", "activity")

    def tables(self) -> list[str]:
        s = self.schema
        return [
            f"""CREATE TABLE IF NOT EXISTS {s}.volume (
                workspace_id text NOT NULL, subject_type text NOT NULL, subject_id text NOT NULL,
                team_id text, bucket timestamptz NOT NULL, channel text NOT NULL,
                kind text NOT NULL, direction text, count bigint NOT NULL,
                CONSTRAINT volume_key UNIQUE NULLS NOT DISTINCT ({VOLUME}))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.responses (
                workspace_id text NOT NULL, subject_type text NOT NULL, subject_id text NOT NULL,
                team_id text, bucket timestamptz NOT NULL, channel text NOT NULL,
                kind text NOT NULL, bin smallint NOT NULL, count bigint NOT NULL,
                total_ms bigint NOT NULL,
                CONSTRAINT responses_key UNIQUE NULLS NOT DISTINCT ({RESPONSES}))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.conversations (
                workspace_id text NOT NULL, conversation_id text NOT NULL, contact_id text,
                team_id text, first_inbound_at timestamptz, first_response_at timestamptz,
                awaiting_since timestamptz, PRIMARY KEY (workspace_id, conversation_id))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.activities (
                workspace_id text NOT NULL, activity_id text NOT NULL, contact_id text,
                team_id text, bucket timestamptz NOT NULL, channel text NOT NULL,
                direction text, deleted boolean NOT NULL,
                PRIMARY KEY (workspace_id, activity_id))""",
            f"""CREATE TABLE IF NOT EXISTS {s}.contacts (
                workspace_id text NOT NULL, contact_id text NOT NULL, status text NOT NULL,
                merged_into text, PRIMARY KEY (workspace_id, contact_id))""",
            f"CREATE INDEX IF NOT EXISTS contacts_merged_into ON {s}.contacts "
            "(workspace_id, merged_into) WHERE merged_into IS NOT NULL",
            f"""CREATE TABLE IF NOT EXISTS {s}.teams (
                workspace_id text NOT NULL, team_id text NOT NULL,
                PRIMARY KEY (workspace_id, team_id))""",
        ]

    async def apply(self, cur: AsyncCursor, events: Sequence[Recorded]) -> None:
        batch = Batch(
            await load_conversations(cur, self.schema, events),
            await load_activities(cur, self.schema, events),
        )
        for r in events:
            self._apply(batch, r)
        await write(cur, self.schema, batch)

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Nothing to rewrite: counts, channels, teams and times hold no personal data."""

    def _apply(self, batch: Batch, r: Recorded) -> None:
        e, ws, at = r.event, r.meta.workspace_id, r.meta.occurred_at
        if r.type == "contact.added":
            batch.contacts.append((ws, e.contact_id, "active", None))
        elif r.type == "contact.deleted":
            batch.contacts.append((ws, e.contact_id, "deleted", None))
        elif r.type == "contact.merged_into":
            batch.contacts.append((ws, e.contact_id, "merged", e.primary_contact_id))
        elif r.type == "conversation.opened":
            c = batch.conversation(ws, e.conversation_id)
            c.contact_id, c.team_id = e.contact_id, r.meta.team_id
            batch.count(ws, c.contact_id, c.team_id, bucket(at), e.channel, "conversation", None)
        elif r.type in ("conversation.reassigned", "conversation.chatbot_handed_over"):
            c = batch.conversation(ws, e.conversation_id)
            c.team_id = team_after(e, c.team_id)
            batch.team(ws, c.team_id)
        elif r.type in INBOUND or r.type in OUTBOUND:
            self._message(batch, r)
        elif r.type == "activity.deleted":
            batch.delete_activity(ws, e.activity_id)
        elif r.type.startswith("activity.") and e.details.type in COMMUNICATION_ACTIVITIES:
            d = e.details
            contact = d.contact.id if d.contact else None
            batch.log_activity(
                ws, e.activity_id, contact, r.meta.team_id, bucket(at), d.type, d.direction
            )

    def _message(self, batch: Batch, r: Recorded) -> None:
        e, ws, at = r.event, r.meta.workspace_id, r.meta.occurred_at
        c = batch.conversation(ws, e.conversation_id)
        channel, slot = e.message.channel, bucket(at)
        inbound = r.type in INBOUND
        batch.count(
            ws,
            c.contact_id,
            c.team_id,
            slot,
            channel,
            "message",
            "inbound" if inbound else "outbound",
        )
        if inbound:
            c.awaiting_since = c.awaiting_since or at
            c.first_inbound_at = c.first_inbound_at or at
            return
        if e.message.source == "broadcast" or c.awaiting_since is None or at < c.awaiting_since:
            return  # not an answer to anything waiting
        batch.respond(ws, c, slot, channel, "reply", at - c.awaiting_since)
        if c.first_response_at is None and c.first_inbound_at is not None:
            batch.respond(ws, c, slot, channel, "first_response", at - c.first_inbound_at)
            c.first_response_at = at
        c.awaiting_since = None
