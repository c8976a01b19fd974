"""Projector specs: one folder per read model (projections/<name>/), Given stored events,
When the model applies them, Then its rows. See tests/support/projector_specs.py."""
