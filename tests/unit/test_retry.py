"""The one retry helper (adapters/retry.py): pauses with bounded jitter, a stop event that
cuts a pause short, and a limit after which the last error is raised as it was."""

import asyncio
import itertools
import time

import pytest

from adapters.retry import Backoff, Stopped, retry, retry_sync

pytestmark = pytest.mark.unit


class Flaky:
    """Fails `failures` times with ConnectionError, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, 0
        self.called = asyncio.Event()

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"failure {self.calls}")
        return "answer"

    async def call(self) -> str:
        try:
            return self()
        finally:
            self.called.set()


QUICK = Backoff(first=0.001, most=0.002)


def test_pauses_grow_to_their_cap_and_jitter_keeps_each_within_its_upper_part():
    backoff = Backoff(first=0.2, factor=2.0, most=1.0, jitter=0.5)
    ceilings = [0.2, 0.4, 0.8, 1.0, 1.0]
    for draw in (0.0, 0.999, 0.5):
        pauses = list(itertools.islice(backoff.pauses(lambda d=draw: d), 5))
        assert all(c / 2 <= p <= c for p, c in zip(pauses, ceilings, strict=True)), pauses
    drawn = list(itertools.islice(Backoff(first=1.0, most=1.0).pauses(), 200))
    assert all(0.5 <= p <= 1.0 for p in drawn) and len(set(drawn)) > 100  # random, bounded
    assert set(itertools.islice(Backoff(jitter=0).pauses(), 3)) == {0.2, 0.4, 0.8}


async def test_a_call_that_recovers_is_answered_after_its_failures():
    flaky = Flaky(3)
    assert await retry(flaky.call, on=ConnectionError, what="t", backoff=QUICK) == "answer"
    assert flaky.calls == 4
    flaky = Flaky(2)
    assert retry_sync(flaky, on=ConnectionError, what="t", backoff=QUICK) == "answer"


async def test_after_its_attempts_the_last_error_is_raised_as_it_was():
    flaky = Flaky(10)
    with pytest.raises(ConnectionError, match="failure 3"):
        await retry(flaky.call, on=ConnectionError, what="t", backoff=QUICK, attempts=3)
    assert flaky.calls == 3
    flaky = Flaky(10)
    with pytest.raises(ConnectionError, match="failure 2"):
        retry_sync(flaky, on=ConnectionError, what="t", backoff=QUICK, attempts=2)
    flaky = Flaky(10**6)
    with pytest.raises(ConnectionError):
        await retry(flaky.call, on=ConnectionError, what="t", backoff=QUICK, within=0.05)
    assert 1 < flaky.calls < 10**6


async def test_an_error_it_was_not_told_about_is_raised_at_once():
    flaky = Flaky(1)
    with pytest.raises(ConnectionError):
        await retry(flaky.call, on=KeyError, what="t", backoff=QUICK)
    assert flaky.calls == 1


async def test_the_stop_event_ends_a_long_pause_at_once():
    stop = asyncio.Event()
    flaky = Flaky(10**6)
    began = time.monotonic()
    task = asyncio.create_task(
        retry(flaky.call, on=ConnectionError, what="t", backoff=Backoff(first=60), stop=stop)
    )
    await flaky.called.wait()  # the first call failed: it pauses a minute now
    stop.set()
    with pytest.raises(Stopped) as stopped:
        await task
    assert time.monotonic() - began < 5  # not the minute
    assert isinstance(stopped.value.__cause__, ConnectionError)
    assert flaky.calls == 1
