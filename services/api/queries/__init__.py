"""Queries of the API that read no read model: an aggregate's stored events, for auditors
(audit.py). The read models' own queries live beside them, in projections/<name>/queries.py."""
