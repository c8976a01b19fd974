"""The results: a Markdown table (each Chronicle figure with its baselines beneath it and
the ratio), the query table across store sizes, the machine, and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime
from importlib import metadata
from pathlib import Path

import psutil

from adapters.embedded import nats_server_binary
from chronicle_tools.bench.measure import Figure

PACKAGES = ("eventsourcing", "psycopg", "nats-py", "msgspec", "faststream", "fastapi", "pydantic")
HEADER = (
    "| figure | events/s | p50 ms | p95 ms | p99 ms | peak RSS MB | target | Chronicle ÷ this |"
)


def machine(pg_version: str, where: str) -> dict:
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    nats_version = subprocess.run(
        [nats_server_binary(), "--version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "postgresql_from": where,
        "nats_server": nats_version,
        **{name: metadata.version(name) for name in PACKAGES},
    }


def _n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    if digits == 0 or value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _row(f: Figure, name: str, ratio: str = "") -> str:
    cells = [name, _n(f.rate), _n(f.p50, 1), _n(f.p95, 1), _n(f.p99, 1), _n(f.rss_mb)]
    return "| " + " | ".join([*cells, f.target or f.note, ratio]) + " |"


def throughput_table(figures: list[Figure]) -> str:
    baselines = [f for f in figures if not f.group]
    lines = [HEADER, "|" + "---|" * 8]
    for f in figures:
        if f.group in ("", "query"):
            continue
        lines.append(_row(f, f"**{f.name}**"))
        for b in baselines:
            if f.group in b.baseline_for and f.rate and b.rate:
                lines.append(_row(b, f"↳ {b.name}", f"{f.rate / b.rate:.2f}x"))
    return "\n".join(lines)


def query_table(figures: list[Figure]) -> str:
    queries = [f for f in figures if f.group == "query"]
    sizes = list(dict.fromkeys(f.extra["size"] for f in queries))
    head = ["query"] + [f"{p} @{s}" for s in sizes for p in ("p50 ms", "p99 ms")]
    if len(sizes) > 1:
        head.append(f"p99 {sizes[-1]} ÷ {sizes[0]}")
    lines = ["| " + " | ".join([*head, "target"]) + " |", "|" + "---|" * (len(head) + 1)]
    for name in dict.fromkeys(f.name for f in queries):
        by_size = {f.extra["size"]: f for f in queries if f.name == name}
        first = by_size[sizes[0]]
        if first.note:
            lines.append(f"| {name} | {first.note} |" + " |" * (len(head) - 1))
            continue
        cells = [_n(getattr(by_size.get(s), p, None), 2) for s in sizes for p in ("p50", "p99")]
        if len(sizes) > 1:
            small, big = by_size.get(sizes[0]), by_size.get(sizes[-1])
            ratio = big.p99 / small.p99 if big and small and small.p99 and big.p99 else None
            cells.append(f"{ratio:.2f}x" if ratio else "-")
        lines.append("| " + " | ".join([name, *cells, first.target]) + " |")
    return "\n".join(lines)


def render(results: dict) -> str:
    figures = [Figure(**{k: v for k, v in f.items() if k != "rate"}) for f in results["figures"]]
    m = results["machine"]
    loads = [f.extra["load_average_1m"] for f in figures if "load_average_1m" in f.extra]
    parts = [
        f"Chronicle benchmark, {results['mode']} run, {results['started']}",
        f"machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB; PostgreSQL "
        f"{m['postgresql']} ({m['postgresql_from']}); {m['nats_server']}; Python {m['python']}",
        f"load average (1 min) at the end of each phase: {min(loads, default=0):.1f} to "
        f"{max(loads, default=0):.1f}",
        "",
        throughput_table(figures),
    ]
    if any(f.group == "query" for f in figures):
        parts += ["", query_table(figures)]
    return "\n".join(parts)


def write(results: dict, out: Path) -> Path:
    """One file per run (named after its start), rewritten as phases finish."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(results["started"]).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"bench-{results['mode']}-{stamp}.json"
    text = json.dumps(results, indent=2, default=str)
    path.write_text(text)
    (out / "latest.json").write_text(text)
    return path
