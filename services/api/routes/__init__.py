"""HTTP routes, one module per read model; app.py includes each router."""
