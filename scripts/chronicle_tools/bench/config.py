"""How big and how long each phase is: `--quick` (seconds, the CI smoke run), the default
(the issue's sizes: 60 s sustained, a store of 1M events) and `--full` (also 10M)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

PHASES = ("baselines", "ingest", "relay", "pipeline", "rebuild", "queries")


@dataclass(frozen=True)
class Config:
    mode: str = "default"
    seed: int = 7
    ingest_seconds: float = 60.0
    pipeline_seconds: float = 60.0
    steady_seconds: float = 30.0
    steady_rate: float = 1000.0  # events a second, for the end-to-end latency
    store_sizes: tuple[int, ...] = (1_000_000,)
    query_calls: int = 2_000  # per query, server-side (p99: the 20th slowest)
    http_calls: int = 1_000  # per query, through HTTP
    baseline_rows: int = 300_000
    baseline_messages: int = 100_000
    es_saves: int = 5_000
    workspaces: int = 50
    contacts: int = 5_000
    relay_events: int = 200_000  # in the store when the relay starts alone
    ingest_cap: int = 5_000  # envelopes published but not yet committed
    pipeline_cap: int = 20_000  # events published but not yet visible everywhere
    phases: tuple[str, ...] = PHASES
    reuse_stores: bool = False  # keep the filled stores; use kept ones again
    out: Path = Path("bench-results")
    extra: dict = field(default_factory=dict)

    @classmethod
    def named(cls, mode: str, **overrides) -> Config:
        base = {
            "quick": cls(
                mode="quick",
                ingest_seconds=2,
                pipeline_seconds=2,
                steady_seconds=2,
                store_sizes=(2_000, 3_000),  # two: queried side by side
                query_calls=10,
                http_calls=5,
                baseline_rows=3_000,
                baseline_messages=3_000,
                es_saves=100,
                workspaces=5,
                contacts=200,
                ingest_cap=2_000,
                relay_events=3_000,
                pipeline_cap=1_000,
            ),
            "default": cls(),
            "full": cls(mode="full", store_sizes=(1_000_000, 10_000_000)),
        }[mode]
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})
