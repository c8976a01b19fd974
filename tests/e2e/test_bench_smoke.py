"""`scripts/bench --quick` runs every phase end to end, so the benchmark cannot rot.

No thresholds: speed lives in the benchmark's figures (docs/performance.md), not in tests.
What is checked is that each phase measured something real and the results were written.
"""

import asyncio
import json

import pytest

from chronicle_tools.bench import report
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import reset_streams
from chronicle_tools.bench.runner import run

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_quick_benchmark_measures_every_phase_and_writes_its_results(
    postgres, nats_server, tmp_path
):
    asyncio.run(reset_streams(nats_server.url))  # what earlier tests left on the shared NATS
    results = run(Config.named("quick", out=tmp_path), postgres.admin_url, nats_server.url)

    by_group = {}
    for f in results["figures"]:
        by_group.setdefault(f["group"], []).append(f)
    for group in ("ingest", "pipeline", "latency", "load", "rebuild"):
        assert by_group[group] and all(f["rate"] > 0 for f in by_group[group]), group
    assert by_group["ingest"][0]["extra"]["rejected"] == 0
    assert by_group["latency"][0]["p99"] is not None
    baselines = by_group[""]
    assert {"ingest", "pipeline", "rebuild"} <= {g for b in baselines for g in b["baseline_for"]}
    assert all(b["rate"] > 0 for b in baselines)
    timed = [f for f in by_group["query"] if not f["note"]]
    assert any(f["name"].startswith("timeline page") for f in timed)
    assert all(f["count"] == 10 and f["p99"] > 0 for f in timed if "[server]" in f["name"])
    assert [f["name"] for f in by_group["query"] if f["note"]] == []  # every query timed
    assert any(f["name"].startswith("contacts report") for f in timed)
    sizes = list(dict.fromkeys(f["extra"]["size"] for f in by_group["query"]))
    assert len(sizes) == 2  # both stores queried, side by side: every query on each
    named = [[f["name"] for f in by_group["query"] if f["extra"]["size"] == s] for s in sizes]
    assert named[0] == named[1] and len(named[0]) == len(set(named[0]))
    assert [f["name"].split(", ")[-1] for f in by_group["rebuild"]] == 2 * [
        "each by its own process",
        "together (`rebuild --all --passes 1`)",
        "together (`rebuild --all --passes 2`)",
    ]
    load = by_group["load"][0]["extra"]
    assert load["rejected"] == 0 and load["rss_at_75%"] > 0

    written = json.loads((tmp_path / "latest.json").read_text())
    assert written["figures"] == results["figures"] and written["machine"]["nproc"]
    table = report.render(written)
    assert "ingest → store, sustained" in table and "Chronicle ÷ this" in table
    assert f"p99 {sizes[1]} ÷ {sizes[0]}" in table
    named_apart = {(f["name"], f["extra"].get("size")) for f in results["figures"]}
    assert len(named_apart) == len(results["figures"])  # every figure has a name of its own
