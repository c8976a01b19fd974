"""One subscriber's Server-Sent Events: catch up from its position, then follow live.

Pull-based, so a slow client costs bounded memory: the subscriber reads at most
`batch` items, and reads the next ones only after the previous ones were handed to the
connection (which blocks while the client's socket is full; a send blocked longer than
the send timeout drops the client). Nothing is queued per subscriber but a wake flag.

The SSE `id` of an item is its stream position. It is the bare group (`1234`) when the
item completes its group, else `group:tiebreak` (`1234:1180:c_ann`): a client that
reconnects with either, as `Last-Event-ID`, gets exactly the items after it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from sse_starlette import ServerSentEvent

from projections.shared.streams import Item, Stream, StreamPosition
from services.api.live.hub import HubFull, LiveHub
from services.api.live.reader import Reader


def _position(items: list[Item], i: int) -> StreamPosition:
    """Item i's position; the bare group when no item of its group can follow it."""
    item = items[i]
    last_of_group = i + 1 == len(items) or items[i + 1].group != item.group
    return StreamPosition(item.group) if last_of_group else item.position


async def feed(
    hub: LiveHub, reader: Reader, stream: Stream, start: StreamPosition, *, retry_ms: int
) -> AsyncIterator[ServerSentEvent]:
    try:
        subscription = hub.subscribe(stream, start)
    except HubFull as full:  # the route checked, but others subscribed meanwhile
        yield ServerSentEvent(json.dumps({"detail": str(full)}), event="unavailable")
        return
    try:
        ready = {"after": start.encode()}
        yield ServerSentEvent(json.dumps(ready), event="ready", id=start.encode(), retry=retry_ms)
        batch = reader.limit - 1  # one more is read: it tells whether the last sent ends a group
        while True:
            subscription.wake.clear()
            if stream.revoked:
                yield ServerSentEvent(json.dumps({"detail": "the token was revoked"}), event="gone")
                return
            items = await reader.read(stream, subscription.position)
            for i in range(min(len(items), batch)):
                position = _position(items, i)
                yield ServerSentEvent(items[i].data, event=items[i].event, id=position.encode())
                subscription.position = position
            if len(items) > batch:
                continue
            if stream.ended:
                yield ServerSentEvent(json.dumps({"detail": stream.ended}), event="gone")
                return
            await subscription.wake.wait()
    finally:
        hub.unsubscribe(subscription)
