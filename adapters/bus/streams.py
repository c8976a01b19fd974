"""Chronicle's JetStream streams: their names and configuration (provisioning.py makes them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nats.js.api import (
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
)

from adapters.bus.partitions import events_transform, ingest_transform
from adapters.bus.subjects import (
    EVENTS_SUBJECTS,
    INGEST_SUBJECTS,
    REJECTED_SUBJECTS,
    WINDOW_OFF_SUBJECT,
)

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
