"""The buffered pull fetch: batches in stream order, nothing delivered ever dropped."""

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from adapters.bus.pull import PullInbox, delivery

pytestmark = pytest.mark.integration


async def test_batches_come_in_order_and_a_long_polls_later_deliveries_are_kept(nats_url):
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.add_stream(name="PULL_T", subjects=["pull.t.>"])
        config = ConsumerConfig(durable_name="d", ack_policy=AckPolicy.ALL, max_ack_pending=50)
        await js.add_consumer("PULL_T", config)
        inbox = PullInbox(nc, "PULL_T", "d")
        await inbox.start()
        for i in range(7):
            await js.publish("pull.t.x", str(i).encode())

        first = await inbox.fetch(5, 2.0)  # what is there now, up to the batch
        rest = await inbox.fetch(5, 2.0)
        assert [m.data for m in first + rest] == [str(i).encode() for i in range(7)]
        await rest[-1].ack()  # AckPolicy.ALL: one ack for all seven

        with pytest.raises(TimeoutError):  # nothing there: a long poll that ends empty
            await inbox.fetch(5, 0.3)
        await js.publish("pull.t.x", b"7")
        late = await inbox.fetch(5, 2.0)  # a long poll returns with the first delivery
        for i in range(8, 11):
            await js.publish("pull.t.x", str(i).encode())
        await nc.flush()
        later = []  # kept from the open long poll, or asked anew; perhaps not all at once
        while len(later) < 3:
            later += await inbox.fetch(5, 2.0)
        assert [m.data for m in late + later] == [str(i).encode() for i in range(7, 11)]
        assert [m.metadata.sequence.stream for m in late + later] == [8, 9, 10, 11]
    finally:
        await nc.close()


async def test_delivery_reads_the_sequence_and_count_nats_py_reads(nats_url):
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.add_stream(name="PULL_D", subjects=["pull.d.>"])
        await js.add_consumer("PULL_D", ConsumerConfig(durable_name="d", ack_wait=0.5))
        inbox = PullInbox(nc, "PULL_D", "d")
        await inbox.start()
        for i in range(3):
            await js.publish("pull.d.x", str(i).encode())
        first = await inbox.fetch(3, 2.0)
        again = []  # unacknowledged: redelivered after ack_wait, perhaps not all at once
        while len(again) < 3:
            again += await inbox.fetch(3 - len(again), 5.0)
        for msg in first + again:
            assert delivery(msg) == (msg.metadata.sequence.stream, msg.metadata.num_delivered)
        assert [delivery(m) for m in again] == [(1, 2), (2, 2), (3, 2)]
    finally:
        await nc.close()
