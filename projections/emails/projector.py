"""Emails: outgoing emails with their status and full history, incoming emails, each
contact's email history (both directions), and senders no contact has.

- `outgoing`: one row per email, its current status; `history` every change of it;
- `incoming`: one row per received email (per mailbox and Message-ID);
- `contact_emails`: which emails concern which contact (recipients matched when drafted
  and when sent; senders when received), for the contact's email history and its search;
- `unknown_senders`: addresses that sent email no contact had; an address leaves the
  list when a contact gets it.

Each event's statements run as it comes (writes.py): they read the rows of the ones
before it.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import AsyncCursor

from adapters.eventstore.address_index import addresses_of
from domain.contact import Contact
from domain.incoming_email import IncomingEmail
from domain.outgoing_email import OutgoingEmail
from domain.personal import ERASED
from projections.emails import writes
from projections.emails.erasure import erase
from projections.emails.tables import UNKNOWN_SENDERS, ddl
from projections.engine.base import Recorded
from projections.shared.describe import data_of
from projections.shared.handlers import Model, handles


class Emails(Model):
    name = "emails"
    cost = 1.35  # CPU seconds per 200k events of a rebuild (relative: engine/together.py)

    def tables(self) -> list[str]:
        return ddl(self.schema)

    async def begin(self, cur: AsyncCursor, events: Sequence[Recorded]) -> AsyncCursor:
        return cur  # nothing kept for the batch: each event's statements run as it comes

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        await erase(self.schema, cur, erasure)

    @handles(Contact.Added, Contact.Updated)
    async def known(self, cur: AsyncCursor, r: Recorded) -> None:
        """A contact with an address: the address is no unknown sender any more."""
        addresses = addresses_of(r.wire_name, {**data_of(r.event)})
        if addresses:
            await cur.execute(
                f"DELETE FROM {UNKNOWN_SENDERS.at(self.schema)} "
                "WHERE workspace_id = %s AND address = ANY(%s)",
                (r.meta.workspace_id, addresses),
            )

    @handles(OutgoingEmail.Event)
    async def outgoing(self, cur: AsyncCursor, r: Recorded) -> None:
        await writes.outgoing(cur, self.schema, r)

    @handles(IncomingEmail.Received)
    async def received(self, cur: AsyncCursor, r: Recorded) -> None:
        await writes.incoming(cur, self.schema, r)
        e = r.event
        if not e.contact_ids and e.sender.address != ERASED:  # an erased sender is unlisted
            await writes.unknown_sender(cur, self.schema, r)
