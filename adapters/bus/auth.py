"""Stored events on the bus are Chronicle's own only if they carry the relay's MAC.

The bus is a trust boundary: anyone who can publish on `audit.events.>` could otherwise
make a projector write a forged row, or move its position past the store's head. So the
relay adds `Chronicle-MAC`, an HMAC-SHA256 with a key only Chronicle's relay and
projector hosts hold, over everything a projector believes of a message: its sequence on
the events stream (a replay of a genuine message lands at another sequence), its
position and the position before it, its partition, wire name, aggregate id, version and
correlation id, and the stored bytes. A message whose MAC does not verify is treated as
never delivered: the projector parks it with the reason and reads the real event at that
position from the store.

The key: CHRONICLE_BUS_KEY (base64 of 32 bytes), else `bus.key` in the data folder,
created on first use (mode 600) by whichever service starts first.
"""

from __future__ import annotations

import base64
import hmac
import os
import time
from pathlib import Path

from adapters import bus

HEADER = "Chronicle-MAC"
_DOMAIN = b"chronicle-event-v1"
COVERED = (
    bus.POSITION,
    bus.PREVIOUS_POSITION,
    bus.PARTITION,
    bus.WIRE_NAME,
    bus.AGGREGATE_ID,
    bus.VERSION,
    bus.CORRELATION_ID,
)


def load_key(data_dir: Path, env_value: str | None = None, name: str = "bus") -> bytes:
    """A secret key from its setting, else the data folder's `<name>.key` (made once)."""
    if env_value:
        key = base64.b64decode(env_value)
        if len(key) < 32:
            raise ValueError(f"the {name} key must be the base64 of at least 32 bytes")
        return key
    path = data_dir / f"{name}.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another service made it a moment ago: read theirs
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(base64.b64encode(os.urandom(32)))
    for _ in range(100):  # a file just created by another process may be empty for a moment
        text = path.read_bytes().strip()
        if text:
            return base64.b64decode(text)
        time.sleep(0.01)
    raise RuntimeError(f"{path} stays empty")


def _message(seq: int, values: list[str], state: bytes) -> bytes:
    return b"\x00".join([_DOMAIN, str(seq).encode(), *(v.encode() for v in values), state])


def sign(key: bytes, seq: int, headers: dict[str, str], state: bytes) -> str:
    """The MAC of an event the relay publishes as stream message `seq`."""
    digest = hmac.digest(key, _message(seq, [headers.get(h, "") for h in COVERED], state), "sha256")
    return base64.b64encode(digest).decode()


def check(key: bytes, seq: int, headers: dict[str, str], state: bytes) -> str | None:
    """None when the message is the relay's, as published at `seq`; else why not."""
    given = headers.get(HEADER)
    if not given:
        return "no Chronicle-MAC: not published by Chronicle's relay"
    if any(h not in headers for h in COVERED[:-1]):
        return "headers missing: not published by Chronicle's relay"
    if not hmac.compare_digest(given, sign(key, seq, headers, state)):
        return (
            "Chronicle-MAC does not verify: forged, altered, or replayed at another stream sequence"
        )
    return None


REPLY_HEADER = "Chronicle-Reply-MAC"


def sign_reply(key: bytes, reply_to: str, data: bytes) -> str:
    """What the ingest gateway adds beside `Chronicle-Reply-To`: only a reply subject it
    set itself (a requester's own inbox) is ever answered."""
    message = b"\x00".join([b"chronicle-reply-v1", reply_to.encode(), data])
    return base64.b64encode(hmac.digest(key, message, "sha256")).decode()


def reply_subject(key: bytes, headers: dict[str, str], data: bytes) -> str | None:
    """The subject to answer on, if Chronicle's gateway set it; else None."""
    reply_to, given = headers.get(bus.REPLY_TO), headers.get(REPLY_HEADER)
    if not reply_to or not given:
        return None
    return reply_to if hmac.compare_digest(given, sign_reply(key, reply_to, data)) else None
