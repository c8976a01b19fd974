"""Prometheus metrics of a Chronicle process (each process exposes its own: /metrics).

Counters count what this process did since it started; gauges say where it is. Lag is
measured by each service's watchdog (every CHRONICLE_WATCH_INTERVAL seconds) from the store.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

ENVELOPES = Counter(
    "chronicle_ingest_envelopes",
    "Envelopes taken from the bus, by outcome (accepted, duplicate, rejected, parked)",
    ["outcome"],
)
EVENTS_STORED = Counter("chronicle_ingest_events_stored", "Events stored by ingest")
INGEST_BACKLOG = Gauge(
    "chronicle_ingest_backlog_messages", "Envelopes on the bus not yet ingested by this worker"
)
RELAY_POSITION = Gauge("chronicle_relay_position", "Last store position on the events stream")
RELAY_PUBLISHED = Counter("chronicle_relay_published_events", "Events published by the relay")
RELAY_LAG = Gauge("chronicle_relay_lag_events", "Stored events not yet on the events stream")
PROJECTION_POSITION = Gauge(
    "chronicle_projection_position",
    "Store position up to which the projection (partition) has applied every event",
    ["projection", "partition"],
)
PROJECTION_LAG_EVENTS = Gauge(
    "chronicle_projection_lag_events",
    "Stored events the projection (partition) has still to apply",
    ["projection", "partition"],
)
PROJECTION_LAG_SECONDS = Gauge(
    "chronicle_projection_lag_seconds",
    "Age of the oldest stored event the projection (partition) has still to apply (0: none)",
    ["projection", "partition"],
)
PROJECTION_APPLIED = Counter(
    "chronicle_projection_batches",
    "Batches from the bus applied by the projection (partition)",
    ["projection", "partition"],
)
HTTP_LATENCY = Histogram(
    "chronicle_http_request_duration_seconds",
    "HTTP API request latency, by route template and status",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def exposition() -> tuple[bytes, str]:
    """The text format of every metric of this process, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
