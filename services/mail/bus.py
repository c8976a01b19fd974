"""How the sender and the poller tell Chronicle what happened: as producers, with
request/reply (audit.request.…), so each knows its envelope is committed (or why not)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import msgspec
import nats.errors
import structlog
from nats.aio.client import Client

from adapters import bus
from adapters.retry import Stopped as RetryStopped
from adapters.retry import retry

log = structlog.get_logger()
REPLY_TIMEOUT = 10.0


class Stopped(Exception):
    """The service is stopping; the envelope may or may not have been recorded."""


class IngestClient:
    def __init__(self, nc: Client, actor_id: str, stop: asyncio.Event) -> None:
        self.nc, self.actor_id, self.stop = nc, actor_id, stop

    async def tell(
        self,
        workspace_id: str,
        type_: str,
        data: dict[str, Any],
        envelope_id: str,
        *,
        team_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Chronicle's verdict on one envelope: accepted, duplicate or rejected. Retried
        until answered (the envelope id makes a repeat harmless)."""
        when = (occurred_at or datetime.now(UTC)).astimezone(UTC)
        body = {
            "id": envelope_id,
            "type": type_,
            "workspace_id": workspace_id,
            "occurred_at": when.isoformat().replace("+00:00", "Z"),
            "actor": {"type": "system", "id": self.actor_id, "name": None},
            "data": data,
        }
        if team_id:
            body["team_id"] = team_id
        payload = msgspec.json.encode(body)

        async def ask() -> dict[str, Any]:
            reply = await self.nc.request(
                bus.request_subject(workspace_id, type_),
                payload,
                timeout=REPLY_TIMEOUT,
                headers={bus.MSG_ID: envelope_id},
            )
            return msgspec.json.decode(reply.data)

        try:
            answer = await retry(
                ask,
                on=(TimeoutError, nats.errors.Error),
                what="mail.retry",
                stop=self.stop,
                type=type_,
                envelope_id=envelope_id,
            )
        except RetryStopped as stopped:
            raise Stopped(envelope_id) from stopped.__cause__
        log.debug("mail.told", type=type_, envelope_id=envelope_id, status=answer["status"])
        return answer
