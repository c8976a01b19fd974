"""Handlers: turn one validated envelope into commands on aggregates. Thin by design:
look up the aggregates, call their command methods; the aggregates decide the events."""
