"""Adapters: PostgreSQL, NATS, embedded servers, encoding, settings and logging."""
