"""Run the phases in one process, on one set of servers, and collect the figures: the raw
baselines first, then ingest, the pipeline, and rebuild + queries for each store size.
The JSON is rewritten after each phase, so a run that fails late still leaves its figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from chronicle_tools.bench import (
    baseline_es,
    baseline_nats,
    baseline_pg,
    phase_ingest,
    phase_pipeline,
    phase_queries,
    phase_rebuild,
    phase_relay,
    report,
)
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import infrastructure
from chronicle_tools.bench.measure import Figure
from chronicle_tools.bench.samples import Samples


def run(config: Config, database_url: str | None, nats_url: str | None, keep: bool = False):
    phases = set(config.phases)
    with (
        infrastructure(database_url, nats_url, keep) as infra,
        tempfile.TemporaryDirectory(prefix="chronicle-bench-") as tmp,
    ):
        scratch = Path(tmp)
        results = {
            "mode": config.mode,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(["chronicle", *sys.argv[1:]]) if sys.argv else "",
            "config": asdict(config),
            "machine": report.machine(infra.server_version(), infra.where),
            "figures": [],
        }
        figures: list[Figure] = []
        clock = [time.monotonic()]

        def add(new: list[Figure]) -> None:
            figures.extend(new)
            for f in new:
                f.extra["phase_seconds"] = round(time.monotonic() - clock[0], 1)
                f.extra["load_average_1m"] = round(os.getloadavg()[0], 2)  # a shared machine
            clock[0] = time.monotonic()
            results["figures"] = [f.as_dict() for f in figures]
            results["json"] = str(report.write(results, config.out))

        if "baselines" in phases:
            samples = Samples.make(config.seed, config.baseline_messages)
            add(baseline_pg.run(infra, config, samples))
            add(baseline_nats.run(infra, config, samples))
            add(baseline_es.run(infra, config, samples.mean_state_bytes))
        if "ingest" in phases:
            add([phase_ingest.run(infra, config, scratch)])
        if "relay" in phases:
            add(phase_relay.run(infra, config, scratch))
        if "pipeline" in phases:
            add(phase_pipeline.run(infra, config, scratch))
        if phases & {"rebuild", "queries"}:
            stores = []  # every size first, then their queries side by side
            for size in config.store_sizes:
                store_url, rebuilt = phase_rebuild.run(infra, config, size)
                add(rebuilt)
                stores.append((phase_rebuild.label(size), store_url))
            if "queries" in phases:
                add(phase_queries.run(infra, config, stores, scratch))
            for _, store_url in stores:
                if not keep and not config.reuse_stores:
                    infra.drop_database(store_url)
        results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        results["json"] = str(report.write(results, config.out))
        return results
