"""Raw PostgreSQL: rows of the event table's shape and Chronicle's event sizes, written
with plain psycopg COPY (5,000 rows a transaction) and batched INSERT (500 rows a
transaction, executemany). Nothing else: no validation, no aggregates, no chain."""

from __future__ import annotations

import itertools
import time

import psycopg

from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import Infra
from chronicle_tools.bench.measure import Figure, RssSampler, own_pid, progress
from chronicle_tools.bench.samples import Samples

TABLE = """CREATE TABLE {name} (
    originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text,
    state bytea, notification_id bigint NOT NULL,
    PRIMARY KEY (originator_id, originator_version))"""
INDEX = "CREATE UNIQUE INDEX ON {name} (notification_id)"
COLUMNS = "originator_id, originator_version, topic, state, notification_id"


def _batches(rows, size: int):
    while batch := list(itertools.islice(rows, size)):
        yield batch


def _copy(conn: psycopg.Connection, batch: list[tuple]) -> None:
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY raw_copy ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as c,
    ):
        c.set_types(["uuid", "int8", "text", "bytea", "int8"])
        for row in batch:
            c.write_row(row)
    conn.commit()


def _insert(conn: psycopg.Connection, batch: list[tuple]) -> None:
    with conn.cursor() as cur:
        cur.executemany(f"INSERT INTO raw_insert ({COLUMNS}) VALUES (%s, %s, %s, %s, %s)", batch)
    conn.commit()


def _measure(conn, write, samples: Samples, count: int, size: int, name: str) -> Figure:
    ms: list[float] = []
    bar = progress(count, name, unit="row")
    with RssSampler(own_pid) as rss:
        started = time.perf_counter()
        for batch in _batches(samples.rows(count), size):
            t = time.perf_counter()
            write(conn, batch)
            ms.append((time.perf_counter() - t) * 1000)
            bar.update(len(batch))
        seconds = time.perf_counter() - started
    bar.close()
    return Figure(
        name, count, seconds, rss_mb=rss.peak_mb, latency=f"per transaction of {size} rows"
    ).with_latencies(ms)


def run(infra: Infra, config: Config, samples: Samples) -> list[Figure]:
    database_url = infra.fresh_database("raw_pg")
    figures = []
    with psycopg.connect(database_url) as conn:
        for table in ("raw_copy", "raw_insert"):
            conn.execute(TABLE.format(name=table))
            conn.execute(INDEX.format(name=table))
        conn.commit()
        count = config.baseline_rows
        figures.append(_measure(conn, _copy, samples, count, 5000, "raw psycopg COPY"))
        figures.append(
            _measure(conn, _insert, samples, count // 2, 500, "raw psycopg batched INSERT")
        )
    for figure in figures:
        figure.extra["mean_row_state_bytes"] = round(samples.mean_state_bytes, 1)
        figure.baseline_for = ["ingest", "rebuild"]
    infra.drop_database(database_url)
    return figures
