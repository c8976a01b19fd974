"""Partitions: how JetStream spreads each stream's subjects over n partitions (by
workspace, docs/scaling.md), and what each worker of a partition consumes."""

from __future__ import annotations

from functools import lru_cache

from nats.js.api import SubjectTransform

from adapters.bus.subjects import EVENTS_SUBJECTS, INGEST_SUBJECTS, PARTITIONED


@lru_cache(maxsize=65536)  # asked per event and per model; there are few workspaces
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
