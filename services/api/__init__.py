"""The HTTP API report consumers query: read models, scoped to the caller's workspace."""
