"""Communication analytics of contacts and teams (seed 000): how often, on which channels,
how fast we answer, and how much, over time.

Pre-aggregated per subject (a contact, a team) and 15-minute UTC bucket (see
projections/shared/buckets.py), so a team's report costs the same however many contacts
it has:
- `volume`: conversations opened, messages (in/out) and logged communication activities
  (call, email, sms, whatsapp, meeting, chat, ticket; notes and tasks are not
  communication), per channel; a deleted activity is taken off again;
- `responses`: first-response times (a conversation's first inbound message to the first
  reply) and reply times (the earliest unanswered inbound message to the next reply), as
  counts, sums in milliseconds (integers, so a rebuild adds up to the same) and bins;
- `day_volume` and `day_responses`: the same per local day of the workspace's zone, which
  a report in that zone reads instead (projections/shared/days.py).

An outbound message answers unless it is a broadcast. Rows of a contact are kept per
owning team (the conversation's team when it happened: domain/conversation/ownership.py),
so agents see only their teams' share. Times follow the log's order, as every projection
does. A batch is loaded in one query per table, changed in memory (state.py) and written
back in bulk (write.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from domain import workspace as W
from domain.activity import Activity
from domain.contact import Contact
from domain.conversation import Conversation as C
from domain.conversation.ownership import team_after
from projections.communication.state import Batch, load_activities, load_conversations
from projections.communication.tables import RESPONSE_DAYS, VOLUME_DAYS, ddl
from projections.communication.write import write
from projections.engine.base import Recorded
from projections.shared.buckets import bucket
from projections.shared.deferred_days import DefersDays
from projections.shared.handlers import Model, handles

COMMUNICATION_ACTIVITIES = ("call", "email", "sms", "whatsapp", "meeting", "chat", "ticket")
CONTACT_STATUS = {Contact.Added: "active", Contact.Deleted: "deleted", Contact.MergedInto: "merged"}


class Communication(DefersDays, Model):
    name = "communication"
    version = 4  # 2: counts per local day of the workspace's zone; 3: merged contacts'
    # counts also under the contacts they are merged into (merges.py); 4: keys ordered
    # by subject, then time (tables.py)
    cost = 4.3  # CPU seconds per 200k events of a rebuild (relative: engine/together.py)
    rollups = (VOLUME_DAYS, RESPONSE_DAYS)  # their days cut once a rebuild's rows are in

    def tables(self) -> list[str]:
        return ddl(self.schema)

    async def begin(self, cur: AsyncCursor, events: Sequence[Recorded]) -> Batch:
        return Batch(
            await load_conversations(cur, self.schema, events),
            await load_activities(cur, self.schema, events),
        )

    async def end(self, cur: AsyncCursor, batch: Batch) -> None:
        await write(cur, self.schema, batch)

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Nothing to rewrite: counts, channels, teams and times hold no personal data."""

    @handles(W.TimeZoneChanged)
    def time_zone_changed(self, b: Batch, r: Recorded) -> None:
        """The workspace's days are cut again in its new zone (at the batch's end)."""
        b.zones[r.meta.workspace_id] = r.event.new_time_zone

    @handles(*CONTACT_STATUS)
    def contact(self, b: Batch, r: Recorded) -> None:
        merged_into = getattr(r.event, "primary_contact_id", None)
        status = CONTACT_STATUS[type(r.event)]
        b.contacts.append((r.meta.workspace_id, r.event.contact_id, status, merged_into))
        if merged_into:
            b.merges.append((r.meta.workspace_id, r.event.contact_id, merged_into))

    @handles(C.Opened)
    def opened(self, b: Batch, r: Recorded) -> None:
        e, ws = r.event, r.meta.workspace_id
        c = b.conversation(ws, e.conversation_id)
        c.contact_id, c.team_id = e.contact_id, team_after(e, None)
        slot = bucket(r.meta.occurred_at)
        b.count(ws, c.contact_id, c.team_id, slot, e.channel, "conversation", None)

    @handles(C.Reassigned, C.ChatbotHandedOver)
    def owner_changed(self, b: Batch, r: Recorded) -> None:
        c = b.conversation(r.meta.workspace_id, r.event.conversation_id)
        c.team_id = team_after(r.event, c.team_id)
        b.team(r.meta.workspace_id, c.team_id)

    @handles(C.MessageReceived)
    def inbound(self, b: Batch, r: Recorded) -> None:
        c, at = self._message(b, r, "inbound"), r.meta.occurred_at
        c.awaiting_since = c.awaiting_since or at
        c.first_inbound_at = c.first_inbound_at or at

    @handles(C.MessageSent, C.RepliedAndArchived, C.RepliedAndReopened)
    def outbound(self, b: Batch, r: Recorded) -> None:
        """A reply: the response times of what it answers, unless it is a broadcast."""
        c, at, e = self._message(b, r, "outbound"), r.meta.occurred_at, r.event
        if e.message.source == "broadcast" or c.awaiting_since is None or at < c.awaiting_since:
            return  # not an answer to anything waiting
        ws, slot, channel = r.meta.workspace_id, bucket(at), e.message.channel
        b.respond(ws, c, slot, channel, "reply", at - c.awaiting_since)
        if c.first_response_at is None and c.first_inbound_at is not None:
            b.respond(ws, c, slot, channel, "first_response", at - c.first_inbound_at)
            c.first_response_at = at
        c.awaiting_since = None

    @handles(Activity.Logged, Activity.TicketCreated, Activity.WidgetChatStarted)
    def logged(self, b: Batch, r: Recorded) -> None:
        e, d = r.event, r.event.details
        if d.type in COMMUNICATION_ACTIVITIES:
            contact, slot = d.contact.id if d.contact else None, bucket(r.meta.occurred_at)
            ws, team = r.meta.workspace_id, r.meta.team_id
            b.log_activity(ws, e.activity_id, contact, team, slot, d.type, d.direction)

    @handles(Activity.Deleted)
    def deleted(self, b: Batch, r: Recorded) -> None:
        b.delete_activity(r.meta.workspace_id, r.event.activity_id)

    def _message(self, b: Batch, r: Recorded, direction: str):
        """Count the message (in its conversation's contact's and team's volume)."""
        e, ws = r.event, r.meta.workspace_id
        c = b.conversation(ws, e.conversation_id)
        slot = bucket(r.meta.occurred_at)
        b.count(ws, c.contact_id, c.team_id, slot, e.message.channel, "message", direction)
        return c
