"""Real payloads for the baselines, so raw figures are for rows and messages of exactly
the sizes Chronicle handles: stored events through the real encoder, and envelopes."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from chronicle_tools.bench.loader import encode
from chronicle_tools.bench.workload import BenchWorkload
from chronicle_tools.workload import Published

DISTINCT = 20_000  # real events encoded; larger samples reuse their payloads


@dataclass(frozen=True)
class Samples:
    envelopes: list[Published]
    events: list[tuple[str, bytes]]  # (wire name, state)

    @classmethod
    def make(cls, seed: int, count: int) -> Samples:
        envelopes = list(itertools.islice(BenchWorkload(seed + 1, count, run="raw"), count))
        events = [
            (e.topic, e.state) for _, stored in encode(envelopes[:DISTINCT], [0]) for e in stored
        ]
        return cls(envelopes, events)

    @property
    def mean_state_bytes(self) -> float:
        return sum(len(s) for _, s in self.events) / len(self.events)

    @property
    def mean_envelope_bytes(self) -> float:
        return sum(len(m.body) for m in self.envelopes) / len(self.envelopes)

    def rows(self, count: int) -> Iterator[tuple]:
        """Event-table rows: (aggregate id, version, wire name, state, position)."""
        for position, (topic, state) in zip(
            range(1, count + 1), itertools.cycle(self.events), strict=False
        ):
            yield (uuid.uuid4(), 1 + position % 7, topic, state, position)
