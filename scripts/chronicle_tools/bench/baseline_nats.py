"""Raw JetStream with nats-py: the workload's own envelopes (same subjects' shape, same
bytes, Nats-Msg-Id set) into a file-backed stream like Chronicle's ingest stream.
Publish alone (publish_async), then publish and consume together through a durable pull
consumer acknowledging each message, the producer kept under the same cap as ingest."""

from __future__ import annotations

import asyncio
import time

import nats
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from adapters import bus
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import Infra, reset_streams
from chronicle_tools.bench.measure import Figure, RssSampler, own_pid, progress
from chronicle_tools.bench.samples import Samples

STREAM, SUBJECTS = "BENCH_RAW", "bench.raw.>"


async def _publish(js, messages, prefix: str, sent=None, cap=None, done=None, moved=None):
    for i, m in enumerate(messages):
        while cap is not None and i - done[0] >= cap:  # a closed loop, like the ingest one
            moved.clear()
            await moved.wait()
        msg_id = f"{prefix}-{i}"
        if sent is not None:
            sent[msg_id] = time.monotonic()
        await js.publish_async(
            f"bench.raw.{prefix}.{m.subject}", m.body, headers={bus.MSG_ID: msg_id}, wait_stall=60
        )
    await js.publish_async_completed()


async def _consume(js, count: int, sent: dict, done: list[int], moved, bar) -> list[float]:
    config = ConsumerConfig(
        durable_name="raw", ack_policy=AckPolicy.EXPLICIT, max_ack_pending=500, ack_wait=30
    )
    sub = await js.pull_subscribe(f"{SUBJECTS}", durable="raw", stream=STREAM, config=config)
    latencies = []
    while done[0] < count:
        try:
            msgs = await sub.fetch(500, timeout=1)
        except TimeoutError:
            continue
        now = time.monotonic()
        for msg in msgs:
            latencies.append((now - sent.pop(msg.headers[bus.MSG_ID])) * 1000)
            await msg.ack()
        done[0] += len(msgs)
        moved.set()
        bar.update(len(msgs))
    return latencies


async def measure(nats_url: str, config: Config, samples: Samples) -> list[Figure]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream(publish_async_max_pending=4000)
    await js.add_stream(StreamConfig(name=STREAM, subjects=[SUBJECTS], storage=StorageType.FILE))
    messages = samples.envelopes
    with RssSampler(own_pid) as rss:
        started = time.perf_counter()
        await _publish(js, messages, "solo")
        solo = Figure(
            "raw JetStream publish (publish_async)", len(messages), time.perf_counter() - started
        )
    solo.rss_mb = rss.peak_mb
    await js.purge_stream(STREAM)
    sent: dict[str, float] = {}
    done, moved = [0], asyncio.Event()
    bar = progress(len(messages), "raw JetStream publish → consume", unit="msg")
    with RssSampler(own_pid) as rss:
        started = time.perf_counter()
        consumer = asyncio.create_task(_consume(js, len(messages), sent, done, moved, bar))
        await _publish(js, messages, "pair", sent, config.ingest_cap, done, moved)
        latencies = await consumer
        both = Figure(
            "raw JetStream publish → consume (ack each)",
            len(messages),
            time.perf_counter() - started,
            rss_mb=rss.peak_mb,
            latency="publish → received by the consumer, closed loop",
        ).with_latencies(latencies)
    bar.close()
    await nc.close()
    for figure in (solo, both):
        figure.extra["mean_message_bytes"] = round(samples.mean_envelope_bytes, 1)
        figure.baseline_for = ["ingest", "pipeline"]
    return [solo, both]


def run(infra: Infra, config: Config, samples: Samples) -> list[Figure]:
    asyncio.run(reset_streams(infra.nats_url))
    try:
        return asyncio.run(measure(infra.nats_url, config, samples))
    finally:
        asyncio.run(reset_streams(infra.nats_url))
