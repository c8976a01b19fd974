"""A producer's connection to Chronicle: publish envelopes, or request Chronicle's verdict.

Retries never change what is sent: the same bytes and the same `Nats-Msg-Id` (the
envelope id) every time, so Chronicle, which records an envelope id once per workspace,
records a retried envelope once, however many copies reach the bus.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from pydantic import TypeAdapter

from .contracts import Envelope, Verdict
from .notices import Notices

MSG_ID = "Nats-Msg-Id"
CORRELATION_ID = "Chronicle-Correlation-Id"
TRANSIENT = (  # no answer in time, or nobody there to answer yet: worth another attempt
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.js.errors.NoStreamResponseError,
)
VERDICT: TypeAdapter[Any] = TypeAdapter(Verdict)


@dataclass(frozen=True)
class Retry:
    """How often and how patiently to try: `attempts` in all, waiting `first_delay`
    seconds after the first failure, twice as long after each next one, at most
    `max_delay`."""

    attempts: int = 5
    first_delay: float = 0.5
    max_delay: float = 8.0

    def delays(self) -> list[float]:
        """The waits between attempts."""
        return [min(self.first_delay * 2**i, self.max_delay) for i in range(self.attempts - 1)]


class NotDelivered(Exception):
    """Every attempt failed. The envelope may still have reached Chronicle: send it again
    later with the same id (it is recorded once)."""


def _body(envelope: Envelope) -> bytes:
    """What the producer set (and the type): defaults are Chronicle's to apply."""
    fields = {**envelope.model_dump(mode="json", exclude_unset=True), "type": envelope.type}
    return json.dumps({k: fields[k] for k in type(envelope).model_fields if k in fields}).encode()


class Producer:
    """One connection to Chronicle's NATS, with a producer's credential."""

    def __init__(
        self, nc: Client, retry: Retry | None = None, attempt_timeout: float = 10.0
    ) -> None:
        """`attempt_timeout`: how long one attempt waits for its answer, in seconds."""
        self.nc, self.js = nc, nc.jetstream()
        self.retry, self.attempt_timeout = retry or Retry(), attempt_timeout

    @classmethod
    async def connect(
        cls,
        servers: str | Sequence[str],
        user: str,
        password: str,
        *,
        retry: Retry | None = None,
        attempt_timeout: float = 10.0,
        **options: Any,
    ) -> Producer:
        """Connect as `user` (from `chronicle producer create`). Replies come to the
        inbox prefix `_INBOX.<user>`, the only inbox the credential may read."""
        options.setdefault("inbox_prefix", f"_INBOX.{user}".encode())
        options.setdefault("name", f"chronicle-producer {user}")
        nc = await nats.connect(servers, user=user, password=password, **options)
        return cls(nc, retry, attempt_timeout)

    async def publish(self, envelope: Envelope, correlation_id: str | None = None) -> int:
        """Put the envelope durably on the bus (`js.publish`); Chronicle applies it a
        moment later and announces a reject on `audit.rejected.<workspace>`. Returns its
        sequence on AUDIT_INGEST, which a reject notice names (`Notice.ingest_seq`)."""
        subject = f"audit.ingest.{envelope.workspace_id}.{envelope.type}"
        body, headers = _body(envelope), self._headers(envelope, correlation_id)

        async def attempt() -> int:
            return (await self.js.publish(subject, body, self.attempt_timeout, headers=headers)).seq

        return await self._retrying(attempt, envelope.id)

    async def request(self, envelope: Envelope, correlation_id: str | None = None) -> Verdict:
        """Send the envelope as a request and wait for Chronicle's verdict: `Accepted`,
        `Duplicate` (this id was recorded before: also after a retry of a request whose
        first answer was lost), `Rejected` (with reasons) or `Parked`."""
        subject = f"audit.request.{envelope.workspace_id}.{envelope.type}"
        body, headers = _body(envelope), self._headers(envelope, correlation_id)

        async def attempt() -> Verdict:
            reply = await self.nc.request(subject, body, self.attempt_timeout, headers=headers)
            return VERDICT.validate_json(reply.data)

        return await self._retrying(attempt, envelope.id)

    async def rejects(self, workspace_id: str) -> Notices:
        """Reject notices of a workspace from now on (fire-and-forget producers learn of
        rejects so; subscribe before publishing)."""
        return Notices(await self.nc.subscribe(f"audit.rejected.{workspace_id}"))

    async def close(self) -> None:
        await self.nc.drain()

    async def __aenter__(self) -> Producer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @staticmethod
    def _headers(envelope: Envelope, correlation_id: str | None) -> dict[str, str]:
        headers = {MSG_ID: envelope.id}
        if correlation_id:
            headers[CORRELATION_ID] = correlation_id
        return headers

    async def _retrying(self, attempt, envelope_id: str):
        delays = self.retry.delays()
        for delay in [*delays, None]:
            try:
                return await attempt()
            except TRANSIENT as error:
                if delay is None:
                    raise NotDelivered(
                        f"envelope {envelope_id!r}: no answer after {len(delays) + 1} attempts"
                    ) from error
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")
