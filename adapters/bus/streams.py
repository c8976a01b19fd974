"""Chronicle's JetStream streams: their configuration, and creating or awaiting them."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
)
from nats.js.errors import NotFoundError

from adapters.bus.partitions import events_transform, ingest_transform
from adapters.bus.subjects import (
    EVENTS_SUBJECTS,
    INGEST_SUBJECTS,
    REJECTED_SUBJECTS,
    WINDOW_OFF_SUBJECT,
)
from adapters.retry import Backoff, retry

INGEST_STREAM = "AUDIT_INGEST"
# Empty on purpose: nats-server (2.14 and newer) turns a stream's duplicate window off only
# for a stream that sources another one. AUDIT_INGEST sources this one so that the
# envelope ledger, keyed by (workspace, envelope id), is the only judge of repeats: a
# broker window is stream-wide, so the same id from two workspaces would cost one of them
# its envelope (docs/producers.md, "Repeats"). AUDIT_REJECTED too: a notice carries the
# Nats-Msg-Id of the message it answers, and two workspaces' notices may share one.
WINDOW_OFF = "AUDIT_WINDOW_OFF"

EVENTS_STREAM = "AUDIT_EVENTS"
REJECTED_STREAM = "AUDIT_REJECTED"
NO_WINDOW = (INGEST_STREAM, REJECTED_STREAM)


@dataclass(frozen=True)
class StreamLimits:
    """How Chronicle's streams are configured: one value for every service, from Settings
    (`chronicle migrate` brings the streams to these values; services only create a missing
    one, when their identity may)."""

    events_duplicate_window: float = 3600.0
    events_max_age: float = 0.0  # 0: keep forever; PostgreSQL holds the full log anyway
    ingest_partitions: int = 1
    events_max_bytes: int = 0  # 0: no limit
    events_partitions: int = 1
    replicas: int = 1
    ingest_max_age: float = 0.0  # 0: keep forever

    @classmethod
    def of(cls, settings: Any) -> StreamLimits:
        return cls(
            settings.events_duplicate_window,
            settings.events_max_age,
            settings.ingest_partitions,
            settings.events_max_bytes,
            settings.projector_partitions,
            settings.stream_replicas,
            settings.ingest_max_age,
        )


def stream_configs(limits: StreamLimits) -> list[StreamConfig]:
    common = {
        "storage": StorageType.FILE,
        "retention": RetentionPolicy.LIMITS,
        "discard": DiscardPolicy.OLD,
        "num_replicas": limits.replicas,
    }
    return [
        StreamConfig(
            name=WINDOW_OFF,
            subjects=[WINDOW_OFF_SUBJECT],
            max_msgs=1,
            description="Empty: sourced by streams whose duplicate window must be off",
            **common,
        ),
        StreamConfig(
            name=INGEST_STREAM,
            subjects=[INGEST_SUBJECTS],
            duplicate_window=0,  # off: the ledger judges repeats per workspace
            sources=[StreamSource(name=WINDOW_OFF)],
            max_age=limits.ingest_max_age or None,
            subject_transform=ingest_transform(limits.ingest_partitions),
            description="Producers' envelopes awaiting ingest",
            **common,
        ),
        StreamConfig(
            name=EVENTS_STREAM,
            subjects=[EVENTS_SUBJECTS],
            duplicate_window=min(limits.events_duplicate_window, limits.events_max_age or 1e12),
            max_age=limits.events_max_age or None,
            max_bytes=limits.events_max_bytes or None,
            subject_transform=events_transform(limits.events_partitions),
            description="Stored events, in the event store's order",
            **common,
        ),
        StreamConfig(
            name=REJECTED_STREAM,
            subjects=[REJECTED_SUBJECTS],
            duplicate_window=0,  # off: notices of two workspaces may answer the same id
            sources=[StreamSource(name=WINDOW_OFF)],
            max_age=30 * 86400,
            description="Notices of rejected ingest messages",
            **common,
        ),
    ]


class BusTooOld(RuntimeError):
    """The NATS server cannot run Chronicle's streams as they must be configured."""


async def ensure_streams(js: JetStreamContext, limits: StreamLimits) -> None:
    """Create Chronicle's streams, or bring their settings up to date (`chronicle migrate`,
    run by `chronicle up` before any service starts; needs the admin identity)."""
    for config in stream_configs(limits):
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            info = await js.add_stream(config)
        else:
            info = await js.update_stream(config)
        _check_window(config.name, info)


async def await_streams(js: JetStreamContext, limits: StreamLimits, within: float = 600) -> None:
    """What a service does at start: wait until Chronicle's streams exist, creating one that
    is missing when its identity may (the admin's may; a service's own may not, and waits
    for `chronicle migrate`). Never changes an existing stream's settings."""
    deadline = time.monotonic() + within
    for config in stream_configs(limits):
        try:
            await retry(
                lambda config=config: _stream_there(js, config),
                on=_Missing,
                what="bus.waiting_for_stream",
                backoff=Backoff(first=1.0, most=1.0),
                within=max(deadline - time.monotonic(), 0.0),
                stream=config.name,
            )
        except _Missing:
            raise TimeoutError(f"stream {config.name} missing: run `chronicle migrate`") from None


class _Missing(Exception):
    """A stream is not there, and this identity may not create it."""


async def _stream_there(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        _check_window(config.name, await js.stream_info(config.name))
    except NotFoundError:
        try:
            _check_window(config.name, await asyncio.wait_for(js.add_stream(config), 3))
        except (TimeoutError, nats.errors.TimeoutError, nats.js.errors.Error) as e:
            raise _Missing(config.name) from e  # not ours: someone runs `chronicle migrate`


def _check_window(name: str, info) -> None:
    if name in NO_WINDOW and info.config.duplicate_window:
        raise BusTooOld(
            f"nats-server kept a {info.config.duplicate_window:g} s duplicate window on "
            f"{name}: turning it off needs nats-server 2.14 or newer. With a window, the "
            "same envelope id published by two workspaces would cost one of them its "
            "envelope; upgrade nats-server (docs/running.md)"
        )
