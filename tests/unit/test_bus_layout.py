"""The streams Chronicle asks JetStream for, from the settings."""

import pytest

from adapters import bus
from adapters.settings import Settings

pytestmark = pytest.mark.unit


def configs(**settings) -> dict:
    limits = bus.StreamLimits.of(Settings(_env_file=None, **settings))
    return {c.name: c for c in bus.stream_configs(limits)}


def test_by_default_the_events_stream_keeps_a_week_and_two_gibibytes_unpartitioned():
    events = configs()[bus.EVENTS_STREAM]
    assert events.max_age == 7 * 86400 and events.max_bytes == 2 * 1024**3
    assert events.subject_transform is None
    assert {c.num_replicas for c in configs().values()} == {1}


def test_partitions_append_the_workspace_partition_and_replicas_apply_to_every_stream():
    streams = configs(projector_partitions=4, stream_replicas=3)
    transform = streams[bus.EVENTS_STREAM].subject_transform
    assert transform.src == "audit.events.*.*.*.*"
    assert transform.dest.endswith(".{{partition(4,3)}}")
    assert {c.num_replicas for c in streams.values()} == {3}
    assert bus.events_filter(2, 4) == "audit.events.*.*.*.*.2"
    assert bus.events_filter(None, 1) == bus.EVENTS_SUBJECTS


def test_the_duplicate_window_never_outlasts_the_streams_age_limit():
    events = configs(events_max_age=60, events_duplicate_window=3600)[bus.EVENTS_STREAM]
    assert events.duplicate_window == 60
    unlimited = configs(events_max_age=0, events_max_bytes=0)[bus.EVENTS_STREAM]
    assert unlimited.max_age is None and unlimited.max_bytes is None
    assert unlimited.duplicate_window == 3600


def test_a_cluster_url_is_a_list_of_seeds():
    assert bus.servers("nats://a:4222, nats://b:4222,") == ["nats://a:4222", "nats://b:4222"]
    assert bus.servers("nats://a:4222") == ["nats://a:4222"]
