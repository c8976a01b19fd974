"""Reject notices: how a producer that published without waiting learns of a reject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .contracts import Rejected

MSG_ID = "Nats-Msg-Id"
ANSWERED_SUBJECT = "Chronicle-Subject"
INGEST_SEQUENCE = "Chronicle-Ingest-Seq"


@dataclass(frozen=True)
class Notice:
    """A reject notice: the verdict, and what identifies the message it answers."""

    rejected: Rejected
    subject: str  # the subject the rejected message was published on
    ingest_seq: int  # its sequence on AUDIT_INGEST: what `publish()` returned for it
    msg_id: str | None  # the Nats-Msg-Id it came with


class Notices:
    """The reject notices of one workspace, as they come."""

    def __init__(self, subscription: Any) -> None:
        self.subscription = subscription

    async def next(self, within: float = 10.0) -> Notice:
        """The next notice; nats.errors.TimeoutError when none comes within `within` s."""
        msg = await self.subscription.next_msg(timeout=within)
        headers = msg.headers or {}
        return Notice(
            Rejected.model_validate_json(msg.data),
            headers.get(ANSWERED_SUBJECT, ""),
            int(headers.get(INGEST_SEQUENCE, "0")),
            headers.get(MSG_ID),
        )

    async def close(self) -> None:
        await self.subscription.unsubscribe()
