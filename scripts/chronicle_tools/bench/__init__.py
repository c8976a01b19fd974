"""The benchmark (scripts/bench): throughput, latency and memory of Chronicle beside raw
baselines, and narrower suites beside it (`command.py` lists them all).

One module per phase (ingest, pipeline, rebuild, queries) and per baseline (PostgreSQL,
JetStream, the eventsourcing library); `runner` runs them in one process, on fresh
infrastructure (`infra`), and `report` prints the table and writes the JSON. The suites:
`live*` (live streams), `contacts_report`, `erasure` (what sealing costs), `scale` and
`size` (partitioned projectors, store size), `proofs` (transparency-log proofs). See
docs/performance.md for what each figure means and the last full run.
"""
