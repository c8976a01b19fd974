"""`chronicle bench`: throughput, latency and memory of Chronicle beside raw baselines.

One module per phase (ingest, pipeline, rebuild, queries) and per baseline (PostgreSQL,
JetStream, the eventsourcing library); `runner` runs them in one process, on fresh
infrastructure (`infra`), and `report` prints the table and writes the JSON. See
docs/performance.md for what each figure means and the last full run.
"""
