"""NATS JetStream layout: streams, subjects and headers Chronicle owns and creates."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import nats
import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
    SubjectTransform,
)
from nats.js.errors import NotFoundError

log = structlog.get_logger()
INGEST_STREAM = "AUDIT_INGEST"
INGEST_SUBJECTS = "audit.ingest.>"
# Empty on purpose: nats-server (2.14 and newer) turns a stream's duplicate window off only
# for a stream that sources another one. AUDIT_INGEST sources this one so that the
# envelope ledger, keyed by (workspace, envelope id), is the only judge of repeats: a
# broker window is stream-wide, so the same id from two workspaces would cost one of them
# its envelope (docs/producers.md, "Repeats"). AUDIT_REJECTED too: a notice carries the
# Nats-Msg-Id of the message it answers, and two workspaces' notices may share one.
WINDOW_OFF = "AUDIT_WINDOW_OFF"

PARTITIONED = "audit.partitioned"
REQUEST_SUBJECTS = "audit.request.>"
EVENTS_STREAM = "AUDIT_EVENTS"
EVENTS_SUBJECTS = "audit.events.>"
REJECTED_STREAM = "AUDIT_REJECTED"
REJECTED_SUBJECTS = "audit.rejected.>"
NO_WINDOW = (INGEST_STREAM, REJECTED_STREAM)

MSG_ID = "Nats-Msg-Id"
EXPECTED_LAST_MSG_ID = "Nats-Expected-Last-Msg-Id"
EXPECTED_LAST_SEQUENCE = "Nats-Expected-Last-Sequence"
POSITION = "Chronicle-Position"
PREVIOUS_POSITION = "Chronicle-Previous-Position"
WIRE_NAME = "Chronicle-Type"
AGGREGATE_ID = "Chronicle-Aggregate-Id"
VERSION = "Chronicle-Version"
CORRELATION_ID = "Chronicle-Correlation-Id"
REPLY_TO = "Chronicle-Reply-To"
ANSWERED_SUBJECT = "Chronicle-Subject"  # on verdicts and notices: the subject answered
INGEST_SEQUENCE = "Chronicle-Ingest-Seq"  # ...and its sequence on AUDIT_INGEST (the PubAck's)
PARTITION = "Chronicle-Partition"  # "<p>/<n>": the events-stream partition the relay meant


def event_subject(wire_name: str, workspace_id: str, aggregate_id_hex: str) -> str:
    """`audit.events.<aggregate>.<type>.<workspace>.<aggregate id>`.

    The trailing tokens let consumers filter by workspace and partition by aggregate.
    """
    aggregate, action = wire_name.split(".")[:2]
    return f"audit.events.{aggregate}.{action}.{workspace_id}.{aggregate_id_hex}"


def rejected_subject(workspace_id: str | None) -> str:
    return f"audit.rejected.{workspace_id or '_unknown'}"


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


def partition_of(key: str, partitions: int) -> int:
    """What nats-server's `partition(n, token)` mapping computes: FNV-1a (32 bit) of the
    token, modulo n. The relay needs it to stamp each event with its partition's previous
    position; a test checks it against the server."""
    h = 0x811C9DC5
    for byte in key.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h % partitions


def events_transform(partitions: int) -> SubjectTransform | None:
    """With several partitions, JetStream stores each event under
    `audit.events.<aggregate>.<type>.<workspace>.<id>.<p>`, p a hash of the workspace: one
    projector worker per partition sees all of a workspace's events, in order (read models
    join aggregates inside a workspace, docs/scaling.md). `audit.events.>` still matches."""
    if partitions <= 1:
        return None
    return SubjectTransform(
        src="audit.events.*.*.*.*",
        dest="audit.events.{{wildcard(1)}}.{{wildcard(2)}}.{{wildcard(3)}}.{{wildcard(4)}}."
        f"{{{{partition({partitions},3)}}}}",
    )


def events_filter(partition: int | None, partitions: int) -> str:
    """What one projector worker consumes: everything, or its partition."""
    if partitions <= 1 or partition is None:
        return EVENTS_SUBJECTS
    return f"audit.events.*.*.*.*.{partition}"


def ingest_transform(partitions: int) -> SubjectTransform | None:
    """With several partitions, JetStream stores a well-formed ingest subject as
    `audit.partitioned.<p>.<workspace>.<aggregate>.<action>`, p a hash of the workspace:
    one worker per partition keeps each workspace's envelopes, and so each aggregate's,
    in order. Malformed subjects keep their own and go to partition 0 (to be rejected)."""
    if partitions <= 1:
        return None
    return SubjectTransform(
        src="audit.ingest.*.*.*",
        dest=f"{PARTITIONED}.{{{{partition({partitions},1)}}}}.{{{{wildcard(1)}}}}."
        "{{wildcard(2)}}.{{wildcard(3)}}",
    )


def ingest_filters(partition: int | None, partitions: int) -> list[str]:
    """What one ingest worker consumes: everything, or its partition."""
    if partitions <= 1:
        return [INGEST_SUBJECTS]
    if partition is None:
        return [INGEST_SUBJECTS, f"{PARTITIONED}.>"]
    own = [f"{PARTITIONED}.{partition}.>"]
    return [*own, INGEST_SUBJECTS] if partition == 0 else own


def ingest_durable(partition: int | None) -> str:
    return "chronicle-ingest" if partition is None else f"chronicle-ingest-p{partition}"


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
            subjects=["audit.internal.window-off"],  # never published on
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
    deadline = asyncio.get_running_loop().time() + within
    for config in stream_configs(limits):
        while True:
            try:
                _check_window(config.name, await js.stream_info(config.name))
                break
            except NotFoundError:
                try:
                    _check_window(config.name, await asyncio.wait_for(js.add_stream(config), 3))
                    break
                except (TimeoutError, nats.errors.TimeoutError, nats.js.errors.Error):
                    pass  # not ours to create: someone runs `chronicle migrate`
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"stream {config.name} missing: run `chronicle migrate`")
            log.warning("bus.waiting_for_stream", stream=config.name)
            await asyncio.sleep(1.0)


def _check_window(name: str, info) -> None:
    if name in NO_WINDOW and info.config.duplicate_window:
        raise BusTooOld(
            f"nats-server kept a {info.config.duplicate_window:g} s duplicate window on "
            f"{name}: turning it off needs nats-server 2.14 or newer. With a window, the "
            "same envelope id published by two workspaces would cost one of them its "
            "envelope; upgrade nats-server (docs/running.md)"
        )


def servers(url: str) -> list[str]:
    """`nats://a:4222,nats://b:4222` -> each server (a cluster's seed list)."""
    return [part.strip() for part in url.split(",") if part.strip()]


# How every Chronicle connection behaves (a service's broker's and a tool's): it keeps
# reconnecting instead of giving up, so a restarted nats-server costs a pause, not a crash.
CONNECTION_OPTIONS = {
    "max_reconnect_attempts": -1,
    "reconnect_time_wait": 0.5,
    "allow_reconnect": True,
    "connect_timeout": 2,
}


async def connect(url: str, name: str, *, attempts: int = 60) -> Client:
    """A nats-py connection that keeps reconnecting instead of giving up.

    The first connection is retried too (with backoff), so a service started before
    nats-server is up waits for it instead of crashing.
    """
    delay = 0.1
    for attempt in range(attempts):
        try:
            return await nats.connect(servers(url), name=name, **CONNECTION_OPTIONS)
        except (OSError, nats.errors.NoServersError, TimeoutError):
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")
