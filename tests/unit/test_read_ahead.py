"""Reading ahead (projections/engine/source.py): the next batch is read while the caller
works on the current one, and nothing changes for the caller but the time it waits."""

import asyncio
from contextlib import aclosing

import pytest

from projections.engine.source import read_ahead

pytestmark = pytest.mark.unit


class Source:
    """Batches 0..n-1, recording when each read starts and whether it was closed."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at = n, fail_at
        self.started: list[int] = []
        self.reading = [asyncio.Event() for _ in range(n)]  # set when batch i's read starts
        self.closed = False

    async def batches(self):
        try:
            for i in range(self.n):
                self.started.append(i)
                self.reading[i].set()
                await asyncio.sleep(0)  # ok-sleep: a read yields to the loop, as I/O does
                if i == self.fail_at:
                    raise ValueError(f"batch {i} cannot be decoded")
                yield [i]
        finally:
            self.closed = True


async def test_the_same_batches_in_order_each_next_one_read_before_it_is_asked_for():
    source = Source(4)
    seen = []
    async for batch in read_ahead(source.batches()):
        following = batch[0] + 1
        if following < source.n:  # the caller's transaction waits on I/O: the next read starts
            await asyncio.wait_for(source.reading[following].wait(), timeout=5)
        seen.append((batch[0], list(source.started)))
    assert [b for b, _ in seen] == [0, 1, 2, 3]
    # while batch k was applied, batch k + 1 was already being read
    assert all(started[-1] == min(b + 1, 3) for b, started in seen)
    assert source.closed


async def test_a_failed_read_reaches_the_caller_after_the_batches_before_it():
    source = Source(5, fail_at=2)
    seen = []
    with pytest.raises(ValueError, match="batch 2"):
        async for batch in read_ahead(source.batches()):
            seen.append(batch[0])
    assert seen == [0, 1] and source.closed


async def test_a_caller_that_stops_leaves_no_read_running():
    source = Source(10)
    with pytest.raises(RuntimeError):
        async with aclosing(read_ahead(source.batches())) as batches:
            async for batch in batches:
                if batch[0] == 1:
                    raise RuntimeError("the caller's transaction failed")
    assert source.closed and source.started[:2] == [0, 1] and len(source.started) <= 3
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


async def test_no_batches():
    assert [b async for b in read_ahead(Source(0).batches())] == []
