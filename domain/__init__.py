"""Chronicle's domain: aggregates, their events and rules. Imports nothing from
adapters or services."""
