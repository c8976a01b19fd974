"""Process-wide settings: children that cannot outlive the process that started them, and a
quieter garbage collector for long-running or object-heavy processes."""

from __future__ import annotations

import ctypes
import gc
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """`preexec_fn` for Popen: the kernel sends SIGTERM to the child when we die (Linux)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def terminate_on_sigterm() -> None:
    """Make SIGTERM raise KeyboardInterrupt, so `finally` blocks stop what we started."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def quiet_garbage_collector() -> None:
    """Fewer, cheaper collections for a process that holds thousands of connections
    (live streams), a large cache (ingest) or makes objects by the million (a rebuild's
    pass): what was loaded at start is never scanned again, and short-lived objects are
    mostly freed by reference counting before a collection would see them.
    Full collections of a process with 1,000 live subscribers took up to 270 ms of CPU
    each (see docs/live.md); a rebuild pass spent 22 % of its CPU collecting
    (docs/performance.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


@contextmanager
def garbage_collector_quieted() -> Iterator[None]:
    """`quiet_garbage_collector` for a while (a command run inside a longer process, as
    tests run it): the collector's settings are given back after."""
    thresholds = gc.get_threshold()
    quiet_garbage_collector()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
