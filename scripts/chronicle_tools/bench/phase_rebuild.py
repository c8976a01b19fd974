"""Phase 3, rebuild: every read model from a store of N events (1M; 10M with `--full`).

The store is filled by `loader` (real events, valid chain). Then each read model is
rebuilt by its own process, all at once, as projectors starting on empty schemas would;
then all of them together in one pass (one process), then in two (`rebuild --all`'s
default here); above 1M only the last. The rate is N / the time until the last one is
done. Memory is the processes' sum, sampled throughout: `rss_at_25%` beside the peak shows
whether it stays flat.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import psycopg
from psycopg.types.json import Jsonb

from chronicle_tools import worker_env
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import Infra
from chronicle_tools.bench.loader import load_store
from chronicle_tools.bench.measure import Figure, RssSampler, progress
from chronicle_tools.bench.workload import BenchWorkload
from projections.registry import PROJECTIONS, projection

# Above this size only `rebuild --all`'s default is run: the two ways it is compared with
# (each model by its own process, one pass in one process) took over an hour more at 10M.
COMPARED_UP_TO = 1_000_000


# In a store kept for `--reuse`: one row, written once the load is complete (its figure).
LOADED = "bench_store_loaded"


def kept_name(config: Config, size: int) -> str:
    """A kept store's database: the same workload gives the same name (and the same store)."""
    return f"chronicle_bench_kept_{size}_seed{config.seed}_w{config.workspaces}_c{config.contacts}"


def _kept_load(database_url: str) -> Figure | None:
    with psycopg.connect(database_url) as conn:
        try:
            row = conn.execute(f"SELECT figure FROM {LOADED}").fetchone()
        except psycopg.errors.UndefinedTable:
            return None  # an earlier load did not finish
    if row is None:
        return None
    figure = Figure(**{k: v for k, v in row[0].items() if k != "rate"})
    figure.note = f"loaded by an earlier run ({figure.extra.get('loaded_at')}), reused"
    return figure


def fill(infra: Infra, config: Config, size: int) -> tuple[str, Figure]:
    """A store of `size` events and its load figure (the loader's memory meanwhile: this
    process). With `reuse_stores`, a store kept by an earlier run of the same workload is
    used again (its figure is the earlier load's), and a new one is kept."""
    if config.reuse_stores:
        database_url, existed = infra.named_database(kept_name(config, size))
        kept = _kept_load(database_url) if existed else None
        if kept is not None:
            print(f"reusing {kept_name(config, size)} ({size:,} events)", flush=True)
            return database_url, kept
        if existed:  # an interrupted load: start again on an empty database
            infra.drop_database(database_url)
            database_url, _ = infra.named_database(kept_name(config, size))
    else:
        database_url = infra.fresh_database(f"store{size}")
    workload = BenchWorkload(
        config.seed, size, workspaces=config.workspaces, contacts=config.contacts
    )
    bar = progress(size, f"loading {size:,} events", unit="ev")
    with RssSampler(lambda: [os.getpid()], interval=1.0) as rss:
        loaded = load_store(database_url, iter(workload), size, progress=bar.update)
    bar.close()
    load = Figure(
        f"load the store (real encoder + COPY), {label(size)} events",
        count=loaded.events,
        seconds=loaded.seconds,
        rss_mb=rss.peak_mb,
        note="how the rebuild's store is made; not a target",
        group="load",
        extra={
            "envelopes": loaded.envelopes,
            "rejected": loaded.rejected,
            "mean_state_bytes": round(loaded.mean_state_bytes, 1),
            "aggregates_read_back": loaded.read_back,
            "rss_at_25%": rss.at_fraction(0.25),
            "rss_at_75%": rss.at_fraction(0.75),
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    if config.reuse_stores:
        with psycopg.connect(database_url) as conn:
            conn.execute(f"CREATE TABLE {LOADED} (figure jsonb NOT NULL)")
            conn.execute(f"INSERT INTO {LOADED} VALUES (%s)", (Jsonb(load.as_dict()),))
    return database_url, load


def _positions(database_url: str) -> int:
    parts = " UNION ALL ".join(
        f"SELECT position FROM {projection(n).schema}.tracking" for n in PROJECTIONS
    )
    with psycopg.connect(database_url) as conn:
        try:
            return conn.execute(
                f"SELECT coalesce(sum(position), 0)::bigint FROM ({parts}) t"
            ).fetchone()[0]
        except psycopg.errors.UndefinedTable:
            return 0


def rebuild(
    database_url: str, events: int, label: str, together: bool = False, passes: int = 1
) -> Figure:
    """Each read model by its own process, all at once; or (`together`) all of them in one
    pass over the store by `passes` processes, as `chronicle rebuild --all` builds them."""
    jobs = ["--together"] if together else list(PROJECTIONS)
    workers = {
        job: subprocess.Popen(
            [sys.executable, "-m", "chronicle_tools.bench.rebuild_worker", database_url, job]
            + ([str(passes)] if together else []),
            stdout=subprocess.PIPE,
            text=True,
            env=worker_env(),
        )
        for job in jobs
    }
    how = f"together, {passes} pass(es)" if together else "each by its own process"
    bar = progress(
        events * len(PROJECTIONS), f"rebuilding {len(PROJECTIONS)} read models, {how}", unit="ev"
    )
    started = time.perf_counter()
    try:
        with RssSampler(lambda: [w.pid for w in workers.values()]) as rss:
            while any(w.poll() is None for w in workers.values()):
                bar.update(_positions(database_url) - bar.n)
                time.sleep(0.5)
    finally:
        for worker in workers.values():  # only if we failed: they have exited otherwise
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    seconds = time.perf_counter() - started
    bar.close()
    results = {}
    for name, worker in workers.items():
        out = worker.stdout.read()
        if worker.returncode != 0:
            raise SystemExit(f"rebuilding {name} failed (exit {worker.returncode})")
        results[name] = json.loads(out.strip().splitlines()[-1])
    return Figure(
        f"rebuild all read models, {label} events, "
        + (
            f"together (`rebuild --all --passes {passes}`)"
            if together
            else "each by its own process"
        ),
        count=events,
        seconds=seconds,
        rss_mb=rss.peak_mb,
        target="≥ 50,000 events/s, memory flat",
        group="rebuild",
        latency="",
        extra={
            "per_read_model_seconds": {n: round(r["seconds"], 2) for n, r in results.items()},
            "rss_at_25%": rss.at_fraction(0.25),
            "rss_at_75%": rss.at_fraction(0.75),
        },
    )


def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size:,}"


def rebuilt(database_url: str) -> bool:
    """Is every read model built, by this code's version, up to the store's head?"""
    with psycopg.connect(database_url) as conn:
        head = conn.execute("SELECT max(notification_id) FROM chronicle_events").fetchone()[0]
        for name in PROJECTIONS:
            p = projection(name)
            try:
                row = conn.execute(
                    f"SELECT position, version FROM {p.schema}.tracking WHERE projection = %s",
                    (name,),
                ).fetchone()
            except psycopg.errors.UndefinedTable:
                return False
            if row is None or row != (head, p.version):
                return False
    return True


def run(infra: Infra, config: Config, size: int) -> tuple[str, list[Figure]]:
    """Returns the filled, rebuilt database (for the query phase) and the figures. A kept
    store asked only to be queried (`--only queries --reuse`) is queried as it was last
    rebuilt, if every read model is there at this code's version."""
    database_url, load = fill(infra, config, size)
    figures = [load]
    if config.reuse_stores and "rebuild" not in config.phases and rebuilt(database_url):
        print(f"querying the read models last rebuilt in {kept_name(config, size)}", flush=True)
        return database_url, figures
    if size <= COMPARED_UP_TO:
        figures.append(rebuild(database_url, load.count, label(size)))
        figures.append(rebuild(database_url, load.count, label(size), together=True))
    # `rebuild --all` as it runs by default here (2 passes): what the queries read.
    figures.append(rebuild(database_url, load.count, label(size), together=True, passes=2))
    return database_url, figures
