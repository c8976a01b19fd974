"""The ingest consumer never acknowledges past a message it has not applied.

Its batches are acknowledged with AckPolicy.ALL: one ack of the last message covers every
earlier one. That is only right if every earlier one was applied. A message can be
delivered and then lost before it reaches the service (nats-server killed while the
delivery was on the wire, the connection dropped): the server counts it as delivered,
hands out the next ones, and the next batch's ack would then acknowledge the lost one too,
which would never come back. A crash trial found exactly that.

So the service keeps, in memory, the stream sequence up to which it has applied every
message of its filter (from the consumer's ack floor at start), and before a batch it
reads from the stream, by direct get, every message of its filter between that point and
the batch's first message, and applies them first, in stream order. A message the stream
no longer holds (erased, aged out) was applied before it went.
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from adapters import bus
from services.ingest.validation import Incoming


class Coverage:
    def __init__(self, filters: list[str]) -> None:
        self.filters = filters
        self.upto = 0  # every message of the filters up to this stream sequence is applied
        self.started = False

    async def start(self, js: JetStreamContext, durable: str) -> None:
        info = await js.consumer_info(bus.INGEST_STREAM, durable)
        self.upto = info.ack_floor.stream_seq if info.ack_floor else 0
        self.started = True

    async def missing(self, js: JetStreamContext, first_seq: int) -> list[Incoming]:
        """The messages of the filters after `upto` and before `first_seq`, oldest first."""
        found: list[Incoming] = []
        seq = self.upto + 1
        while seq < first_seq:
            nearest = None
            for subject in self.filters:
                try:
                    msg = await js.get_msg(bus.INGEST_STREAM, seq=seq, subject=subject, next=True)
                except NotFoundError:
                    continue
                if nearest is None or msg.seq < nearest.seq:
                    nearest = msg
            if nearest is None or nearest.seq >= first_seq:
                break
            headers = {k: str(v) for k, v in (nearest.headers or {}).items()}
            found.append(Incoming(nearest.subject, nearest.data or b"", headers, nearest.seq))
            seq = nearest.seq + 1
        return found

    def applied(self, seqs: list[int]) -> None:
        self.upto = max(self.upto, *seqs)
