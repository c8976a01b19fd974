"""What a figure is, and how it is measured: rates over a window, latency percentiles,
peak resident memory of the processes doing the work."""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

import psutil
from tqdm import tqdm


@dataclass
class Figure:
    """One line of the table: a Chronicle figure, or a baseline (`baseline_for` names the
    Chronicle figures it is printed beside)."""

    name: str
    count: int = 0  # events (or rows, messages, calls) measured
    seconds: float = 0.0
    p50: float | None = None  # milliseconds
    p95: float | None = None
    p99: float | None = None
    rss_mb: float | None = None
    latency: str = ""  # what the percentiles are of
    baseline_for: list[str] = field(default_factory=list)
    target: str = ""  # the target, as the issue states it
    note: str = ""
    extra: dict = field(default_factory=dict)
    rate_override: float | None = None  # when the rate is not count / seconds (a window)
    group: str = ""  # ingest | pipeline | rebuild | query | load; a baseline's is ""

    @property
    def rate(self) -> float | None:
        if self.rate_override is not None:
            return self.rate_override
        return self.count / self.seconds if self.seconds else None

    def with_latencies(self, ms: Sequence[float]) -> Figure:
        self.p50, self.p95, self.p99 = percentiles(ms)
        self.extra["latency_samples"] = len(ms)
        return self

    def as_dict(self) -> dict:
        return {**asdict(self), "rate": self.rate}


def percentiles(ms: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    if not ms:
        return None, None, None
    if len(ms) == 1:
        return ms[0], ms[0], ms[0]
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return statistics.median(ms), cuts[94], cuts[98]


def window_rate(samples: Sequence[tuple[float, int]], skip: float = 0.1) -> float | None:
    """Events per second between the first sample after `skip` of the run (warm-up) and the
    last: the sustained rate, not the average including the start."""
    if len(samples) < 2:
        return None
    start_at = samples[0][0] + (samples[-1][0] - samples[0][0]) * skip
    first = next(s for s in samples if s[0] >= start_at)
    last = samples[-1]
    return (last[1] - first[1]) / (last[0] - first[0]) if last[0] > first[0] else None


class RssSampler:
    """Samples the summed resident memory of some processes (and their children) every
    `interval` seconds in a thread; `peak_mb` and `series` (seconds since start, MB) once
    stopped."""

    def __init__(self, pids: Callable[[], Iterable[int]], interval: float = 0.25) -> None:
        self.pids, self.interval = pids, interval
        self.series: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")

    def __enter__(self) -> RssSampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _sample(self) -> None:
        total = 0
        for pid in self.pids():
            try:
                process = psutil.Process(pid)
                # with the processes it started (a rebuild's passes)
                for one in (process, *process.children(recursive=True)):
                    total += one.memory_info().rss
            except psutil.Error:
                continue
        self.series.append((time.monotonic() - self._started, total / 2**20))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    @property
    def peak_mb(self) -> float | None:
        return max((mb for _, mb in self.series), default=None)

    def at_fraction(self, fraction: float) -> float | None:
        """Memory at a point of the run: flat memory means the same later as earlier."""
        if not self.series:
            return None
        end = self.series[-1][0]
        return next((mb for t, mb in self.series if t >= end * fraction), self.series[-1][1])


class CpuMeter:
    """CPU seconds (user + system) some processes spent between `start()` and `stop()`,
    each by name: what a figure cost the machine, beyond how fast it went."""

    def __init__(self, pids: Callable[[], dict[str, int]]) -> None:
        self.pids = pids
        self.seconds: dict[str, float] = {}

    @staticmethod
    def _now(pids: dict[str, int]) -> dict[str, float]:
        found = {}
        for name, pid in pids.items():
            try:
                times = psutil.Process(pid).cpu_times()
            except psutil.Error:
                continue
            found[name] = times.user + times.system
        return found

    def start(self) -> None:
        self._started = self._now(self.pids())

    def stop(self) -> None:
        ended = self._now(self.pids())
        self.seconds = {n: ended[n] - self._started[n] for n in ended if n in self._started}

    def per_event_us(self, events: int) -> dict[str, float]:
        """Microseconds of CPU per event, by process and in all."""
        if not events:
            return {}
        per = {n: round(s / events * 1e6, 1) for n, s in sorted(self.seconds.items())}
        return {**per, "total": round(sum(self.seconds.values()) / events * 1e6, 1)}


def progress(total: float, desc: str, unit: str = "s") -> tqdm:
    """A progress bar for a long phase (in seconds of the run, or in events)."""
    return tqdm(total=int(total), desc=desc, unit=unit, file=sys.stderr, mininterval=1.0)


def own_pid() -> list[int]:
    return [os.getpid()]
