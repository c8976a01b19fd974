"""Live feeds: read-model entries pushed to dashboards as Server-Sent Events.

The projector announces each committed transaction (`projections/engine/live.py`); the API's
hub holds one listening connection and wakes the subscribers whose stream may have
changed; each subscriber reads its read model after its own position, through the same
query code (filters, scope, redaction) as the read endpoints. See docs/live.md.
"""
