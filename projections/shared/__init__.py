"""What the read models share: handlers by event class, tables, how an event reads
(summaries), erasure rewrites, report buckets and ranges, keyset cursors, reading for the
API and live streams."""
