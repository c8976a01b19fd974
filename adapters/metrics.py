"""Prometheus metrics of a Chronicle process (each process exposes its own: /metrics).

Each family is made only by the service that owns it (`ingest()`, `relay()`,
`projections()`, `http()`), the first time that service asks, so a process lists its own
series and no zeros of others'. Every process also has `chronicle_build_info`. Counters
count what this process did since it started; gauges say where it is (set again as soon
as a restarted service knows). Lag is measured by each service's watchdog from the store.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version

import prometheus_client
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

prometheus_client.disable_created_metrics()  # no `_created` series: nobody reads them


def chronicle_version() -> str:
    try:
        return version("chronicle")
    except PackageNotFoundError:
        return "unknown"


@cache
def build_info(service: str) -> Gauge:
    info = Gauge(
        "chronicle_build_info",
        "Always 1: the Chronicle version, Python version and service of this process",
        ["version", "python", "service"],
    )
    info.labels(chronicle_version(), platform.python_version(), service).set(1)
    return info


@dataclass(frozen=True)
class Ingest:
    envelopes: Counter
    events_stored: Counter
    backlog: Gauge


OUTCOMES = ("accepted", "duplicate", "rejected", "parked")


@cache
def ingest() -> Ingest:
    envelopes = Counter(
        "chronicle_ingest_envelopes",
        "Envelopes taken from the bus, by outcome (accepted, duplicate, rejected, parked)",
        ["outcome"],
    )
    for outcome in OUTCOMES:  # each series 0 from the start, not absent until its first
        envelopes.labels(outcome)
    return Ingest(
        envelopes,
        Counter("chronicle_ingest_events_stored", "Events stored by ingest"),
        Gauge(
            "chronicle_ingest_backlog_messages",
            "Envelopes on the bus not yet ingested by this worker",
        ),
    )


@dataclass(frozen=True)
class Relay:
    position: Gauge
    published: Counter
    lag: Gauge


@cache
def relay() -> Relay:
    return Relay(
        Gauge("chronicle_relay_position", "Last store position on the events stream"),
        Counter("chronicle_relay_published_events", "Events published by the relay"),
        Gauge("chronicle_relay_lag_events", "Stored events not yet on the events stream"),
    )


@dataclass(frozen=True)
class Projections:
    position: Gauge
    lag_events: Gauge
    lag_seconds: Gauge
    batches: Counter


@cache
def projections() -> Projections:
    labels = ["projection", "partition"]
    return Projections(
        Gauge(
            "chronicle_projection_position",
            "Store position up to which the read model (partition) has applied every event",
            labels,
        ),
        Gauge(
            "chronicle_projection_lag_events",
            "Stored events the read model (partition) has still to apply",
            labels,
        ),
        Gauge(
            "chronicle_projection_lag_seconds",
            "Age of the oldest stored event the read model (partition) has still to apply",
            labels,
        ),
        Counter(
            "chronicle_projection_batches",
            "Batches from the bus applied to the read model (partition)",
            labels,
        ),
    )


@cache
def http() -> Histogram:
    return Histogram(
        "chronicle_http_request_duration_seconds",
        "HTTP API request latency, by route template and status",
        ["method", "route", "status"],
        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    )


def exposition() -> tuple[bytes, str]:
    """The text format of every metric of this process, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
