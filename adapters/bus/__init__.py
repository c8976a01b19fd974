"""Chronicle's NATS transport, in one place: `from adapters import bus`, then `bus.…`.

- subjects.py: every subject, built and parsed (`ingest_subject`, `parse_ingest_subject`…)
- headers.py: the headers Chronicle reads and writes
- partitions.py: how streams are partitioned, and what each partition's worker consumes
- streams.py: the streams' configuration; provisioning.py: creating them (`chronicle
  migrate`), awaiting them (a service at start)
- connection.py: connecting (each process holds one connection: adapters/hosting/runtime.py)
- pull.py, consumer.py: the pull protocol and the ordered-batch loop ingest and the
  projector hosts consume with (docs/architecture.md says why not FastStream's)
"""

from adapters.bus.connection import CONNECTION_OPTIONS, complain, connect, servers
from adapters.bus.headers import (
    AGGREGATE_ID,
    ANSWERED_SUBJECT,
    CORRELATION_ID,
    EXPECTED_LAST_MSG_ID,
    EXPECTED_LAST_SEQUENCE,
    INGEST_SEQUENCE,
    MSG_ID,
    PARTITION,
    POSITION,
    PREVIOUS_POSITION,
    REPLY_TO,
    VERSION,
    WIRE_NAME,
)
from adapters.bus.partitions import (
    events_filter,
    events_transform,
    ingest_durable,
    ingest_filters,
    ingest_transform,
    partition_of,
)
from adapters.bus.provisioning import BusTooOld, await_streams, ensure_streams
from adapters.bus.streams import (
    EVENTS_STREAM,
    INGEST_STREAM,
    NO_WINDOW,
    REJECTED_STREAM,
    WINDOW_OFF,
    StreamLimits,
    stream_configs,
)
from adapters.bus.subjects import (
    EVENTS_SUBJECTS,
    INGEST_SUBJECTS,
    PARTITIONED,
    REJECTED_SUBJECTS,
    REQUEST_SUBJECTS,
    IngestSubject,
    event_subject,
    ingest_of_request,
    ingest_subject,
    parse_ingest_subject,
    rejected_subject,
    request_subject,
    subject_workspace_token,
    workspace_events,
)

__all__ = [
    "AGGREGATE_ID",
    "ANSWERED_SUBJECT",
    "CONNECTION_OPTIONS",
    "CORRELATION_ID",
    "EVENTS_STREAM",
    "EVENTS_SUBJECTS",
    "EXPECTED_LAST_MSG_ID",
    "EXPECTED_LAST_SEQUENCE",
    "INGEST_SEQUENCE",
    "INGEST_STREAM",
    "INGEST_SUBJECTS",
    "MSG_ID",
    "NO_WINDOW",
    "PARTITION",
    "PARTITIONED",
    "POSITION",
    "PREVIOUS_POSITION",
    "REJECTED_STREAM",
    "REJECTED_SUBJECTS",
    "REPLY_TO",
    "REQUEST_SUBJECTS",
    "VERSION",
    "WINDOW_OFF",
    "WIRE_NAME",
    "BusTooOld",
    "IngestSubject",
    "StreamLimits",
    "await_streams",
    "complain",
    "connect",
    "ensure_streams",
    "event_subject",
    "events_filter",
    "events_transform",
    "ingest_durable",
    "ingest_filters",
    "ingest_of_request",
    "ingest_subject",
    "ingest_transform",
    "parse_ingest_subject",
    "partition_of",
    "rejected_subject",
    "request_subject",
    "servers",
    "stream_configs",
    "subject_workspace_token",
    "workspace_events",
]
