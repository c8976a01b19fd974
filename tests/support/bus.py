"""Producer-side helpers for tests: publish like an outside service, read consumer state."""

from __future__ import annotations

import nats

from adapters import bus
from chronicle_tools.workload import Published


async def publish_all(url: str, messages: list[Published]) -> list:
    nc = await nats.connect(url)
    js = nc.jetstream()
    acks = []
    for m in messages:
        headers = {bus.MSG_ID: m.envelope_id} if m.envelope_id else None
        acks.append(await js.publish(m.subject, m.body, headers=headers))
    await nc.close()
    return acks


async def consumer_backlog(url: str, stream: str, durable: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().consumer_info(stream, durable)
        return info.num_pending + info.num_ack_pending
    finally:
        await nc.close()
