"""Ingest: producers' envelopes from the bus, validated, applied, stored once."""
