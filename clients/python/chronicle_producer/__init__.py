"""Tell Chronicle what happened: typed envelopes, `publish()` and `request()` over NATS.

    async with await Producer.connect(url, user, password) as producer:
        verdict = await producer.request(ContactAddedEnvelope(...))

docs/producers.md in Chronicle's repository is the guide; docs/asyncapi.json the contract.
"""

from .client import NotDelivered, Producer, Retry
from .contracts import (
    ENVELOPES,
    Accepted,
    ActorIn,
    Duplicate,
    Envelope,
    Parked,
    Rejected,
    Verdict,
)
from .notices import Notice, Notices

Actor = ActorIn
__all__ = [
    "ENVELOPES",
    "Accepted",
    "Actor",
    "ActorIn",
    "Duplicate",
    "Envelope",
    "NotDelivered",
    "Notice",
    "Notices",
    "Parked",
    "Producer",
    "Rejected",
    "Retry",
    "Verdict",
]
